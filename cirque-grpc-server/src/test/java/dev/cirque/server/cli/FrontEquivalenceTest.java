package dev.cirque.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One table of good and bad inputs through every front: gRPC, HTTP, the CLI against the
 * daemon ({@code --connect}) and the CLI with its own in-process core. Each row must give the
 * same outcome on each: the same error kind and message, or, when it succeeds, the same
 * state (link conditions as JSON, a device's power state). Each front has a home of its own
 * with devices {@code a} and {@code b}; their ids in messages read as $home, $a and $b.
 * The fronts' translation is in {@link Fronts}.
 */
class FrontEquivalenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper SORTED = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static DaemonUnderTest daemon;
    private static ManagedChannel channel;
    private static List<Fronts.Front> fronts;
    @TempDir
    static Path dir;

    /** One input: an operation and its arguments ($home, $a, $b stand for each front's ids). */
    record Row(String op, Map<String, String> args) {
        @Override
        public String toString() {
            return op + " " + args;
        }
    }

    private static Row row(String op, String... keyValues) {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            args.put(keyValues[i], keyValues[i + 1]);
        }
        return new Row(op, args);
    }

    /** At least forty rows, in an order where each good one leaves what the next expects. */
    static List<Row> table() {
        return List.of(
                row("state", "home", "nohome", "device", "$a"),
                row("state", "home", "$home", "device", "nodevice"),
                row("state", "home", "$home", "device", "$a"),
                row("power_off", "home", "$home", "device", "nodevice"),
                row("power_off", "home", "$home", "device", "$b", "grace", "-5"),
                row("power_off", "home", "$home", "device", "$b", "grace", "3601"),
                row("power_on", "home", "nohome", "device", "$b"),
                row("power_off", "home", "$home", "device", "$b", "grace", "0"),
                row("state", "home", "$home", "device", "$b"),
                row("power_on", "home", "$home", "device", "$b"),
                row("stop_device", "home", "$home", "device", "nodevice"),
                row("destroy", "home", "nohome"),
                row("links", "home", "nohome"),
                row("links", "home", "$home", "medium", "bogus"),
                row("links", "home", "$home"),
                row("set_link", "home", "$home", "from", "nodevice", "to", "$b", "latency", "10"),
                row("set_link", "home", "$home", "from", "$a", "to", "nodevice", "latency", "10"),
                row("set_link", "home", "$home", "from", "$a", "to", "$a", "latency", "10"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "latency", "-1"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "latency", "60001"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "jitter", "-1"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "jitter", "60001"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "loss", "101"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "loss", "-0.5"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "signal", "1"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "signal", "-121"),
                row("set_link", "home", "$home", "from", "$a", "both", "true", "latency", "5"),
                row("set_link", "home", "$home", "medium", "bogus", "from", "$a", "to", "$b", "latency", "5"),
                row("set_link", "home", "nohome", "from", "$a", "to", "$b", "latency", "5"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "latency", "10", "jitter", "5", "loss", "1.5"),
                row("set_link", "home", "$home", "from", "$a", "latency", "3"),
                row("set_link", "home", "$home", "from", "$b", "to", "$a", "down", "true", "both", "true"),
                row("set_link", "home", "$home", "from", "$a", "to", "$b", "clear", "true"),
                row("partition", "home", "$home", "name", "", "devices", "$a"),
                row("partition", "home", "$home", "name", "p1", "devices", "nodevice"),
                row("partition", "home", "$home", "name", "p1", "devices", "$a"),
                row("heal", "home", "$home", "name", "p2"),
                row("heal", "home", "$home", "name", "p1"),
                row("heal", "home", "$home"),
                row("heal", "home", "nohome"),
                row("seed", "home", "nohome", "seed", "1"),
                row("seed", "home", "$home", "seed", "42"),
                row("seed", "home", "$home"),
                row("media"),
                row("medium", "home", "$home", "medium", "test-air"),
                row("medium", "home", "$home", "medium", "bogus"),
                row("medium", "home", "nohome", "medium", "test-air"),
                row("medium", "home", "$home", "medium", ""),
                row("capture", "home", "$home", "medium", "ip", "action", "start"),
                row("capture", "home", "$home", "medium", "test-air", "action", "save"),
                row("capture", "home", "$home", "medium", "test-air", "action", "start"),
                row("set_link", "home", "$home", "medium", "test-air", "from", "$a", "to", "$b", "latency", "7"),
                row("medium", "home", "$home", "medium", "test-air"),
                row("capture", "home", "$home", "medium", "test-air", "action", "stop"),
                row("capture", "home", "$home", "medium", "test-air", "action", "save"),
                row("create", "topology", "{\"x\": {\"type\": \"generic_node_image\", \"rcp_mod\": true}}"),
                row("create", "topology", "{\"x\": {\"type\": \"generic_node_image\", \"capability\": [\"Teleport\"]}}"),
                row("create", "topology", "{\"x\": {\"base_image\": \"generic_node_image\"}}"),
                row("create", "topology", "{\"x\": {\"type\": \"generic_node_image\", \"traffic_control\": 5}}"));
    }

    @BeforeAll
    static void start() throws Exception {
        daemon = new DaemonUnderTest(true);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", daemon.server.port()).usePlaintext().build();
        CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.MINUTES);
        String connect = daemon.connect();
        Path topology = Files.writeString(dir.resolve("ab.json"), """
                {"a": {"type": "generic_node_image"}, "b": {"type": "generic_node_image"}}""");
        fronts = List.of(
                new Fronts.Grpc(stub, fixture(stub)),
                new Fronts.Http(daemon.server.httpPort(), fixture(stub)),
                new Fronts.Cli("cli --connect", List.of("--connect", connect), topology, dir),
                new Fronts.Cli("cli in-process", List.of(), topology, dir));
    }

    /** A home of two devices made over gRPC: the fixture of a front that is not the CLI. */
    private static Fronts.Fixture fixture(CirqueServiceGrpc.CirqueServiceBlockingStub stub) {
        DeviceSpecification node = DeviceSpecification.newBuilder().setDeviceType("generic_node_image").build();
        CreateCirqueHomeWithDevicesResponse made = stub.createCirqueHomeWithDevices(
                CreateCirqueHomeWithDevicesRequest.newBuilder().putDevices("a", node).putDevices("b", node).build());
        return new Fronts.Fixture(made.getHomeId(), made.getDevicesOrThrow("a").getDeviceId(),
                made.getDevicesOrThrow("b").getDeviceId());
    }

    @AfterAll
    static void stop() throws Exception {
        if (fronts != null) {
            for (Fronts.Front f : fronts) {
                f.close();
            }
        }
        channel.shutdownNow();
        daemon.close(); // checks nothing made here is left, the in-process core's homes too
    }

    @Test
    void everyRowHasTheSameOutcomeOnEveryFront() {
        List<Row> rows = table();
        assertTrue(rows.size() >= 40, rows.size() + " rows");
        List<String> differences = new ArrayList<>();
        int failures = 0;
        for (Row r : rows) {
            Map<String, Fronts.Outcome> outcomes = new LinkedHashMap<>();
            for (Fronts.Front f : fronts) {
                Fronts.Outcome o = f.run(r.op(), f.fixture().resolve(r.args()));
                String text = f.fixture().unresolve(o.text());
                if (o.kind().equals("OK") && text.startsWith("{")) {
                    text = normalised(read(text)); // links sorted again, now by the ids' names
                }
                outcomes.put(f.name(), new Fronts.Outcome(o.kind(), text));
            }
            Fronts.Outcome first = outcomes.values().iterator().next();
            if (outcomes.values().stream().anyMatch(o -> !o.equals(first))) {
                differences.add(r + "\n    " + outcomes);
            }
            failures += first.kind().equals("OK") ? 0 : 1;
        }
        System.out.printf("front equivalence: %d rows (%d refused, %d done) through %d fronts: %d differ%n",
                rows.size(), failures, rows.size() - failures, fronts.size(), differences.size());
        assertEquals(List.of(), differences);
        assertTrue(failures >= 30 && rows.size() - failures >= 10, "good and bad rows both: " + failures);
    }

    /**
     * A medium a plug-in brings tells the home's watchers through core, whichever front watches:
     * gRPC's WatchHome and HTTP's event stream both see its MEDIUM_EVENT, with its own detail.
     */
    @Test
    void aPluginMediumsEventsReachTheWatchersOfEveryFront() throws Exception {
        CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.MINUTES);
        Fronts.Front grpc = new Fronts.Grpc(stub, fixture(stub)); // a home of its own: the table's stay as they are
        String home = grpc.fixture().home();
        java.util.Iterator<dev.cirque.proto.HomeEvent> watch = CirqueServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(1, TimeUnit.MINUTES)
                .watchHome(dev.cirque.proto.WatchHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals("WATCHING", watch.next().getKind());
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.stream.Stream<String> sse = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + daemon.server.httpPort() + "/events/" + home)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines()).body();
        java.util.Iterator<String> lines = sse.iterator();
        while (!lines.next().startsWith("data: ")) {
            // up to the WATCHING event's data: the stream is in place
        }
        Fronts.Outcome set = grpc.run("set_link", grpc.fixture().resolve(Map.of("home", "$home", "medium",
                "test-air", "from", "$b", "to", "$a", "loss", "5")));
        assertEquals("OK", set.kind(), set.text());

        dev.cirque.proto.HomeEvent told = watch.next();
        while (!told.getKind().equals("MEDIUM_EVENT")) {
            told = watch.next(); // LINKS_CHANGED comes first or after: core's and the medium's own
        }
        assertEquals(Map.of("medium", "test-air", "event", "conditions_applied", "links", "1"), told.getDetailMap());
        String data = null;
        while (data == null) {
            String line = lines.next();
            data = line.startsWith("data: ") && line.contains("MEDIUM_EVENT") ? line.substring(6) : null;
        }
        JsonNode event = JSON.readTree(data);
        assertEquals("test-air", event.path("detail").path("medium").asText());
        assertEquals("conditions_applied", event.path("detail").path("event").asText());
        sse.close();
        assertEquals("OK", grpc.run("destroy", Map.of("home", home)).kind());
    }

    /** A link state as JSON text with its keys and links in a fixed order, whatever the front's map order. */
    static String normalised(JsonNode state) {
        try {
            Object plain = SORTED.treeToValue(sortedLinks(state), Object.class);
            return SORTED.writeValueAsString(plain);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(json, e);
        }
    }

    private static JsonNode sortedLinks(JsonNode state) {
        ObjectNode copy = state.deepCopy();
        if (copy.get("links") instanceof ArrayNode links) {
            List<JsonNode> sorted = new ArrayList<>();
            links.forEach(sorted::add);
            sorted.sort((x, y) -> (x.path("from").asText() + x.path("to").asText())
                    .compareTo(y.path("from").asText() + y.path("to").asText()));
            ArrayNode again = JSON.createArrayNode();
            sorted.forEach(again::add);
            copy.set("links", again);
        }
        return copy;
    }
}
