package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.host.HostLedger;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.RecordingRequest;
import dev.cirque.proto.RecordingServiceGrpc;
import dev.cirque.server.cli.CliRun;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flight recorder on real containers: a home's IP frames (dumpcap on its bridge), events,
 * nodes' logs and topology in one zip, through each front, while the home lives and after its
 * stop; {@code tshark} reads the pcapng. (Thread's and WiFi's frames: ThreadMediumTest and the
 * VM's WiFi tests.)
 */
class RecordingTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aHomesRecordingHoldsItsFramesEventsLogsAndTopologyBeforeAndAfterItsStop() throws Exception {
        String home = daemon.newHome();
        CirqueDevice a = daemon.create(home, node());
        CirqueDevice b = daemon.create(home, node());
        String ipA = a.getDeviceDescription().getIpv4Addr();
        String ipB = b.getDeviceDescription().getIpv4Addr();
        daemon.exec(home, a, "ping -c 3 -i 0.2 " + ipB);
        daemon.exec(home, b, "sh -c 'echo b-says-hello > /proc/1/fd/1'");
        assertEquals(200, http("POST", "/links/" + home + "/seed", "{\"seed\": 42}").statusCode());
        assertEquals(200, http("POST", "/links/" + home + "/partition", "{\"name\": \"p\", \"devices\": [\""
                + a.getDeviceId() + "\"]}").statusCode());

        // Live, over HTTP.
        HttpResponse<byte[]> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + daemon.httpPort() + "/recording/" + home)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, live.statusCode(), new String(live.body(), StandardCharsets.UTF_8));
        assertEquals("application/zip", live.headers().firstValue("Content-Type").orElse(""));
        Map<String, byte[]> zip = entries(live.body());
        assertTrue(zip.keySet().containsAll(List.of("recording.pcapng", "events.jsonl", "links.jsonl",
                "topology.json", "summary.json")), zip.keySet().toString());
        List<String> frames = tshark(zip.get("recording.pcapng"), "-e", "frame.interface_name", "-e", "ip.src",
                "-e", "ip.dst", "-e", "icmp.type");
        String lan = "cirque-" + home;
        assertTrue(frames.contains(lan + "\t" + ipA + "\t" + ipB + "\t8"), "echo requests a to b: " + frames);
        assertTrue(frames.contains(lan + "\t" + ipB + "\t" + ipA + "\t0"), "echo replies b to a: " + frames);
        assertEquals(frames.size(), RecordedFrames.read(zip.get("recording.pcapng")).size(),
                "the tests' own reader sees what tshark sees");
        List<JsonNode> events = events(zip);
        assertEquals(2, events.stream().filter(e -> e.path("kind").asText().equals("NODE_CREATED")).count(),
                events.toString());
        assertTrue(events.stream().anyMatch(e -> e.path("kind").asText().equals("EXEC_STARTED")
                && e.path("detail").path("command").asText().contains("ping")), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.path("kind").asText().equals("LINKS_CHANGED")), events.toString());
        for (int i = 1; i < events.size(); i++) {
            assertEquals(events.get(i - 1).path("seq").asLong() + 1, events.get(i).path("seq").asLong(), "no gap");
        }
        String bLog = new String(zip.get("logs/" + daemon.httpState(home, b.getDeviceId()).path("name")
                .asText() + ".log"), StandardCharsets.UTF_8);
        assertTrue(bLog.contains("b-says-hello"), "b's log, read live: " + zip.keySet() + "\n" + bLog);
        assertTrue(bLog.matches("(?s)\\d{4}-\\d\\d-\\d\\dT.*"), "lines timed on the recording's clock: " + bLog);
        List<JsonNode> linkStates = new java.util.ArrayList<>();
        for (String line : new String(zip.get("links.jsonl"), StandardCharsets.UTF_8).strip().split("\n")) {
            linkStates.add(JSON.readTree(line));
        }
        // The seed, which names no medium, is kept for each medium; the partition after it for ip.
        assertTrue(linkStates.stream().anyMatch(l -> l.path("change").asText().equals("seeded")
                && l.path("medium").asText().equals("ip") && l.path("links").path("seed").asLong() == 42), linkStates
                .toString());
        JsonNode partitioned = linkStates.get(linkStates.size() - 1);
        assertEquals("ip", partitioned.path("medium").asText(), partitioned.toString());
        assertTrue(partitioned.path("links").toString().contains("\"p\""), "the links after the partition: " + partitioned);
        JsonNode topology = JSON.readTree(zip.get("topology.json"));
        assertEquals(2, topology.path("nodes").size(), topology.toString());
        assertTrue(topology.path("links").path("ip").toString().contains("\"p\""), "the partition: " + topology);

        // Stopped: kept, over gRPC, with the stop in it and its capture ended.
        daemon.stopHome(home);
        Map<String, byte[]> kept = entries(grpcRecording(home));
        List<JsonNode> after = events(kept);
        assertEquals("HOME_STOPPED", after.get(after.size() - 1).path("kind").asText(), after.toString());
        JsonNode summary = JSON.readTree(kept.get("summary.json"));
        assertFalse(summary.path("ended").asText().isEmpty(), summary.toString());
        assertEquals(0, summary.path("frames").path("let_go").asLong(), summary.toString());
        assertTrue(summary.path("ip_captures").get(0).asText().contains("received/dropped"),
                "dumpcap's closing count: " + summary);
        assertEquals(2, JSON.readTree(kept.get("topology.json")).path("nodes").size(), "the topology at the stop");
        assertEquals(2, kept.keySet().stream().filter(n -> n.startsWith("logs/")).count(), kept.keySet().toString());
        long pid = ProcessHandle.current().pid();
        assertEquals(List.of(), HostLedger.defaultLedger().entries().stream().filter(e -> e.kind().equals("dumpcap")
                && e.owner().pid() == pid).toList(), "no capture of this daemon's left running");

        // And through the CLI, to a file.
        Path file = dir.resolve("home.zip");
        CliRun cli = CliRun.of("--connect", "127.0.0.1:" + daemon.server.port(), "record", home, "-o", file.toString());
        assertEquals(0, cli.code(), cli.err());
        assertEquals(kept.keySet(), entries(Files.readAllBytes(file)).keySet());
    }

    @Test
    void anUnknownHomeHasNoRecordingOnAnyFront() throws Exception {
        HttpResponse<String> r = http("GET", "/recording/no-such-home", null);
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("NOT_FOUND", JSON.readTree(r.body()).path("code").asText(), r.body());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpcRecording("no-such-home"));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("no-such-home"), e.getStatus().getDescription());
        CliRun cli = CliRun.of("--connect", "127.0.0.1:" + daemon.server.port(), "record", "no-such-home", "-o",
                dir.resolve("x.zip").toString());
        assertEquals(1, cli.code(), cli.out() + cli.err());
        assertFalse(Files.exists(dir.resolve("x.zip")));
        assertEquals(2, CliRun.of("--connect", "127.0.0.1:" + daemon.server.port(), "record", "h").code(),
                "-o is required");
    }

    private static DeviceSpecification.Builder node() {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE);
    }

    private static byte[] grpcRecording(String home) {
        return grpcRecording(daemon, home);
    }

    /** The home's recording from {@code d}, over gRPC. */
    static byte[] grpcRecording(TestDaemon d, String home) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordingServiceGrpc.newBlockingStub(d.channel).withDeadlineAfter(2, TimeUnit.MINUTES)
                .getRecording(RecordingRequest.newBuilder().setHomeId(home).build())
                .forEachRemaining(c -> out.writeBytes(c.getData().toByteArray()));
        return out.toByteArray();
    }

    static Map<String, byte[]> entries(byte[] zip) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    private static List<JsonNode> events(Map<String, byte[]> zip) throws IOException {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : new String(zip.get("events.jsonl"), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    /** The pcapng's frames as tshark sees them, a line per frame of the fields asked. */
    List<String> tshark(byte[] pcapng, String... fields) throws Exception {
        Path file = dir.resolve("recording-" + System.nanoTime() + ".pcapng");
        Files.write(file, pcapng);
        List<String> argv = new java.util.ArrayList<>(List.of("tshark", "-r", file.toString(), "-T", "fields"));
        argv.addAll(List.of(fields));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "tshark read the recording");
        return out.lines().toList();
    }

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + path));
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}
