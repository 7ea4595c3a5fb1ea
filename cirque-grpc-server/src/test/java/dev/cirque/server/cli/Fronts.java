package dev.cirque.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.GetLinkConditionsRequest;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.PowerDeviceRequest;
import dev.cirque.proto.QueryCirqueDeviceRequest;
import dev.cirque.proto.SeedLinksRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ListMediaRequest;
import dev.cirque.proto.MediumCaptureRequest;
import dev.cirque.proto.MediumRequest;
import dev.cirque.proto.MediumServiceGrpc;
import dev.cirque.server.plugin.TestAirCapability;
import dev.cirque.server.wire.LinkMessages;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** The fronts of {@link FrontEquivalenceTest}: each turns one row into its own calls, and its answer into an outcome. */
final class Fronts {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fronts() {}

    /** A capture as the rows compare it: a pcap and how many frames of the test medium it holds. */
    static String pcap(byte[] bytes) {
        boolean pcap = bytes.length >= 24 && (bytes[0] & 0xff) == 0xd4 && (bytes[1] & 0xff) == 0xc3;
        return !pcap ? "not a pcap (" + bytes.length + " bytes)"
                : "pcap, " + (bytes.length - 24) / (16 + TestAirCapability.FRAME_LENGTH) + " frames";
    }

    /** What a row came to: OK and the state it left, or an error's kind and message. */
    record Outcome(String kind, String text) {}

    /** A front's own home and devices. */
    record Fixture(String home, String a, String b) {

        Map<String, String> resolve(Map<String, String> args) {
            Map<String, String> out = new LinkedHashMap<>();
            args.forEach((k, v) -> out.put(k, v.replace("$home", home).replace("$a", a).replace("$b", b)));
            return out;
        }

        /** Ids back to their names, so that messages compare across fronts. */
        String unresolve(String text) {
            return text.replace(home, "$home").replace(a, "$a").replace(b, "$b");
        }
    }

    interface Front extends AutoCloseable {
        String name();

        Fixture fixture();

        Outcome run(String op, Map<String, String> args);

        @Override
        default void close() {}
    }

    /** The gRPC service, through the generated blocking stub. */
    static final class Grpc implements Front {
        private final CirqueServiceGrpc.CirqueServiceBlockingStub stub;
        private final Fixture fixture;

        Grpc(CirqueServiceGrpc.CirqueServiceBlockingStub stub, Fixture fixture) {
            this.stub = stub;
            this.fixture = fixture;
        }

        @Override
        public String name() {
            return "grpc";
        }

        @Override
        public Fixture fixture() {
            return fixture;
        }

        @Override
        public Outcome run(String op, Map<String, String> a) {
            try {
                String home = a.getOrDefault("home", "");
                String device = a.getOrDefault("device", "");
                String medium = a.getOrDefault("medium", "");
                return new Outcome("OK", switch (op) {
                    case "state" -> stub.queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder().setHomeId(home)
                            .setDeviceId(device).build()).getDevice().getDeviceDescription().getState();
                    case "power_off" -> {
                        PowerDeviceRequest.Builder r = PowerDeviceRequest.newBuilder().setHomeId(home).setDeviceId(device);
                        if (a.containsKey("grace")) {
                            r.setGraceSeconds(Integer.parseInt(a.get("grace")));
                        }
                        yield stub.powerOffDevice(r.build()).getDeviceDescription().getState();
                    }
                    case "power_on" -> stub.powerOnDevice(PowerDeviceRequest.newBuilder().setHomeId(home)
                            .setDeviceId(device).build()).getDeviceDescription().getState();
                    case "stop_device" -> {
                        stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home).setDeviceId(device)
                                .build());
                        yield "";
                    }
                    case "destroy" -> {
                        stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
                        yield "";
                    }
                    case "links" -> state(stub.getLinkConditions(GetLinkConditionsRequest.newBuilder().setHomeId(home)
                            .setMedium(medium).build()));
                    case "set_link" -> {
                        SetLinkConditionsRequest.Builder r = SetLinkConditionsRequest.newBuilder().setHomeId(home)
                                .setMedium(medium).setFromDeviceId(a.getOrDefault("from", ""))
                                .setToDeviceId(a.getOrDefault("to", "")).setBothWays(a.containsKey("both"));
                        if (!a.containsKey("clear")) {
                            LinkConditions.Builder c = LinkConditions.newBuilder()
                                    .setLatencyMs(Integer.parseInt(a.getOrDefault("latency", "0")))
                                    .setJitterMs(Integer.parseInt(a.getOrDefault("jitter", "0")))
                                    .setLossPercent(Double.parseDouble(a.getOrDefault("loss", "0")))
                                    .setDown(a.containsKey("down"));
                            if (a.containsKey("signal")) {
                                c.setSignalDbm(Integer.parseInt(a.get("signal")));
                            }
                            r.setConditions(c);
                        }
                        yield state(stub.setLinkConditions(r.build()));
                    }
                    case "partition" -> state(stub.partitionHome(PartitionRequest.newBuilder().setHomeId(home)
                            .setMedium(medium).setName(a.get("name"))
                            .addAllDeviceIds(List.of(a.get("devices").split(","))).build()));
                    case "heal" -> state(stub.healHome(HealRequest.newBuilder().setHomeId(home).setMedium(medium)
                            .setName(a.getOrDefault("name", "")).build()));
                    case "seed" -> {
                        SeedLinksRequest.Builder r = SeedLinksRequest.newBuilder().setHomeId(home);
                        if (a.containsKey("seed")) {
                            r.setSeed(Long.parseLong(a.get("seed")));
                        }
                        yield state(stub.seedLinks(r.build()));
                    }
                    case "create" -> stub.createCirqueHomeWithDevices(CreateCirqueHomeWithDevicesRequest.newBuilder()
                            .setTopologyJson(a.get("topology")).build()).getHomeId().isEmpty() ? "" : "created";
                    case "media" -> FrontEquivalenceTest.normalised(JSON.valueToTree(Map.of("media",
                            media().listMedia(ListMediaRequest.getDefaultInstance()).getMediaList())));
                    case "medium" -> FrontEquivalenceTest.normalised(Http.raw(media().describeMedium(MediumRequest
                            .newBuilder().setHomeId(home).setMedium(medium).build()).getJson()));
                    case "capture" -> capture(home, medium, a.get("action"));
                    default -> throw new IllegalArgumentException(op);
                });
            } catch (StatusRuntimeException e) {
                return new Outcome(e.getStatus().getCode().name(), fixture.unresolve(e.getStatus().getDescription()));
            }
        }

        private static String state(LinkState s) {
            return FrontEquivalenceTest.normalised(JSON.valueToTree(LinkMessages.toSnapshot(s).describe()));
        }

        private MediumServiceGrpc.MediumServiceBlockingStub media() {
            return MediumServiceGrpc.newBlockingStub(stub.getChannel());
        }

        private String capture(String home, String medium, String action) {
            if (action.equals("save")) {
                ByteArrayOutputStream pcap = new ByteArrayOutputStream();
                media().getMediumCapture(MediumRequest.newBuilder().setHomeId(home).setMedium(medium).build())
                        .forEachRemaining(c -> pcap.writeBytes(c.getData().toByteArray()));
                return pcap(pcap.toByteArray());
            }
            dev.cirque.proto.MediumCaptureState st = media().setMediumCapture(MediumCaptureRequest.newBuilder()
                    .setHomeId(home).setMedium(medium).setCapture(action.equals("start")).build());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("medium", st.getMedium());
            out.put("capturing", st.getCapturing());
            out.put("download", st.getDownloadPath());
            out.put("bytes", st.getBytes());
            return FrontEquivalenceTest.normalised(JSON.valueToTree(out));
        }
    }

    /** The HTTP routes, through the JDK's client. */
    static final class Http implements Front {
        private final HttpClient http = HttpClient.newHttpClient();
        private final String base;
        private final Fixture fixture;

        Http(int port, Fixture fixture) {
            this.base = "http://127.0.0.1:" + port;
            this.fixture = fixture;
        }

        @Override
        public String name() {
            return "http";
        }

        @Override
        public Fixture fixture() {
            return fixture;
        }

        @Override
        public Outcome run(String op, Map<String, String> a) {
            String home = a.getOrDefault("home", "");
            String device = a.getOrDefault("device", "");
            ObjectNode body = JSON.createObjectNode();
            if (a.containsKey("medium")) {
                body.put("medium", a.get("medium"));
            }
            return switch (op) {
                case "state" -> field(call("GET", "/device_state/" + home + "/" + device, null), "state");
                case "power_off" -> field(call("POST", "/power_off/" + home + "/" + device
                        + (a.containsKey("grace") ? "?grace_seconds=" + a.get("grace") : ""), null), "state");
                case "power_on" -> field(call("POST", "/power_on/" + home + "/" + device, null), "state");
                case "stop_device" -> done(call("GET", "/stop_device/" + home + "/" + device, null));
                case "destroy" -> done(call("GET", "/destroy_home/" + home, null));
                case "links" -> state(call("GET", "/links/" + home
                        + (a.containsKey("medium") ? "?medium=" + a.get("medium") : ""), null));
                case "set_link" -> {
                    body.put("from", a.getOrDefault("from", ""));
                    if (a.containsKey("to")) {
                        body.put("to", a.get("to"));
                    }
                    a.forEach((k, v) -> {
                        switch (k) {
                            case "latency" -> body.put("latencyMs", Integer.parseInt(v));
                            case "jitter" -> body.put("jitterMs", Integer.parseInt(v));
                            case "loss" -> body.put("loss", Double.parseDouble(v));
                            case "signal" -> body.put("signalDbm", Integer.parseInt(v));
                            case "down" -> body.put("down", true);
                            case "both" -> body.put("bothWays", true);
                            case "clear" -> body.put("clear", true);
                            default -> { }
                        }
                    });
                    yield state(call("POST", "/links/" + home, body));
                }
                case "partition" -> {
                    body.put("name", a.get("name"));
                    Arrays.stream(a.get("devices").split(",")).forEach(body.putArray("devices")::add);
                    yield state(call("POST", "/links/" + home + "/partition", body));
                }
                case "heal" -> {
                    if (a.containsKey("name")) {
                        body.put("name", a.get("name"));
                    }
                    yield state(call("POST", "/links/" + home + "/heal", body));
                }
                case "seed" -> {
                    if (a.containsKey("seed")) {
                        body.put("seed", Long.parseLong(a.get("seed")));
                    }
                    yield state(call("POST", "/links/" + home + "/seed", body));
                }
                case "create" -> {
                    HttpResponse<String> r = call("POST", "/create_home", raw(a.get("topology")));
                    yield r.statusCode() == 200 ? new Outcome("OK", "created") : error(r);
                }
                case "media" -> state(call("GET", "/media", null));
                case "medium" -> state(call("GET", "/media/" + a.get("medium") + "/" + home, null));
                case "capture" -> {
                    String path = "/media/" + a.get("medium") + "/" + home + "/capture";
                    if (!a.get("action").equals("save")) {
                        yield state(call("POST", path + "/" + a.get("action"), null));
                    }
                    HttpResponse<String> r = call("GET", path, null);
                    yield r.statusCode() == 200 ? new Outcome("OK", pcap(bytes(path))) : error(r);
                }
                default -> throw new IllegalArgumentException(op);
            };
        }

        private static JsonNode raw(String json) {
            try {
                return JSON.readTree(json);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(json, e);
            }
        }

        private HttpResponse<String> call(String method, String path, JsonNode body) {
            try {
                HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString());
                return http.send(HttpRequest.newBuilder(URI.create(base + path)).method(method, p).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private byte[] bytes(String path) {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray()).body();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private Outcome field(HttpResponse<String> r, String name) {
            return r.statusCode() == 200 ? new Outcome("OK", raw(r.body()).path(name).asText()) : error(r);
        }

        private Outcome done(HttpResponse<String> r) {
            return r.statusCode() == 200 ? new Outcome("OK", "") : error(r);
        }

        private Outcome state(HttpResponse<String> r) {
            return r.statusCode() == 200
                    ? new Outcome("OK", FrontEquivalenceTest.normalised(raw(r.body()))) : error(r);
        }

        private Outcome error(HttpResponse<String> r) {
            JsonNode e = raw(r.body());
            return new Outcome(e.path("code").asText(), fixture.unresolve(e.path("error").asText()));
        }
    }

    /**
     * The command line in this JVM, as one user's session: the same {@link CirqueCli} for every
     * row, so that its in-process core (without {@code --connect}) keeps its home between rows.
     */
    static final class Cli implements Front {
        private final String name;
        private final List<String> base;
        private final Path dir;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final CirqueCli cli = new CirqueCli(new PrintStream(out, true, StandardCharsets.UTF_8));
        private final CommandLine commandLine = CirqueCli.commandLine(cli);
        private final Fixture fixture;
        private int files;

        Cli(String name, List<String> base, Path topology, Path dir) {
            this.name = name;
            this.base = base;
            this.dir = dir;
            Outcome made = call(List.of("create_home", "--file", topology.toString()));
            JsonNode doc = Http.raw(made.text());
            this.fixture = new Fixture(doc.path("home_id").asText(), doc.path("devices").path("a").path("id").asText(),
                    doc.path("devices").path("b").path("id").asText());
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Fixture fixture() {
            return fixture;
        }

        @Override
        public Outcome run(String op, Map<String, String> a) {
            String home = a.getOrDefault("home", "");
            String device = a.getOrDefault("device", "");
            List<String> args = new ArrayList<>();
            switch (op) {
                case "state" -> args.addAll(List.of("device_state", home, device));
                case "power_off" -> {
                    args.addAll(List.of("power_off", home, device));
                    if (a.containsKey("grace")) {
                        args.add("--grace=" + a.get("grace"));
                    }
                }
                case "power_on" -> args.addAll(List.of("power_on", home, device));
                case "stop_device" -> args.addAll(List.of("close_device", home, device));
                case "destroy" -> args.addAll(List.of("destroy_home", home));
                case "links" -> args.addAll(List.of("links", home));
                case "set_link" -> {
                    args.addAll(List.of("set_link", home, a.getOrDefault("from", "")));
                    if (a.containsKey("to")) {
                        args.add(a.get("to"));
                    }
                    a.forEach((k, v) -> {
                        switch (k) {
                            case "latency", "jitter", "loss", "signal" -> args.add("--" + k + "=" + v);
                            case "down" -> args.add("--down");
                            case "both" -> args.add("--both-ways");
                            case "clear" -> args.add("--clear");
                            default -> { }
                        }
                    });
                }
                case "partition" -> {
                    args.addAll(List.of("partition", home, a.get("name")));
                    args.addAll(List.of(a.get("devices").split(",")));
                }
                case "heal" -> {
                    args.addAll(List.of("heal", home));
                    if (a.containsKey("name")) {
                        args.add(a.get("name"));
                    }
                }
                case "seed" -> {
                    args.addAll(List.of("seed_links", home));
                    if (a.containsKey("seed")) {
                        args.add(a.get("seed"));
                    }
                }
                case "create" -> {
                    try {
                        Path file = Files.writeString(dir.resolve(name.replace(' ', '-') + "-" + files++ + ".json"),
                                a.get("topology"));
                        args.addAll(List.of("create_home", "--file", file.toString()));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
                case "media" -> args.add("media");
                case "medium" -> args.addAll(List.of("medium", home, a.get("medium")));
                case "capture" -> {
                    args.addAll(List.of("capture", home, a.get("medium"), a.get("action")));
                    if (a.get("action").equals("save")) {
                        args.addAll(List.of("-o", dir.resolve(name.replace(' ', '-') + "-" + files++ + ".pcap")
                                .toString()));
                    }
                }
                default -> throw new IllegalArgumentException(op);
            }
            if (a.containsKey("medium") && List.of("links", "set_link", "partition", "heal").contains(op)) {
                args.add("--medium=" + a.get("medium"));
            }
            Outcome o = call(args);
            if (!o.kind().equals("OK")) {
                return new Outcome(o.kind(), fixture.unresolve(o.text()));
            }
            JsonNode doc = Http.raw(o.text().isBlank() ? "{}" : o.text());
            return new Outcome("OK", switch (op) {
                case "state", "power_off", "power_on" -> doc.path("state").asText();
                case "stop_device", "destroy" -> "";
                case "create" -> "created";
                case "capture" -> doc.has("file") ? pcap(readAll(Path.of(doc.path("file").asText())))
                        : FrontEquivalenceTest.normalised(doc);
                default -> FrontEquivalenceTest.normalised(doc);
            });
        }

        private static byte[] readAll(Path file) {
            try {
                return Files.readAllBytes(file);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** Runs one command line ({@code --json}): OK and what it printed, or its JSON error. */
        private Outcome call(List<String> args) {
            List<String> all = new ArrayList<>(base);
            all.add("--json");
            all.addAll(args);
            out.reset();
            StringWriter err = new StringWriter();
            commandLine.setErr(new PrintWriter(err, true));
            int code = commandLine.execute(all.toArray(String[]::new));
            if (code == 0) {
                return new Outcome("OK", out.toString(StandardCharsets.UTF_8).strip());
            }
            if (code != 1) {
                return new Outcome("USAGE(" + code + ")", err.toString().strip());
            }
            JsonNode e = Http.raw(err.toString().strip());
            return new Outcome(e.path("code").asText(), e.path("error").asText());
        }

        @Override
        public void close() {
            cli.closeBackend();
        }
    }
}
