package dev.cirque.core.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.host.HostLedger;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorder's bookkeeping, pure logic: shares, kept recordings, what each holds and lets go. */
class RecordingsTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void homesShareOneTotalAndStoppedHomesMakeRoomOldestFirst() {
        Recordings r = new Recordings(2 * MIB, 3 * MIB, new HostLedger(dir)); // a home's frames: 1.75 MiB at most
        HomeRecording a = r.begin("a").orElseThrow();
        HomeRecording b = r.begin("b").orElseThrow();
        HomeRecording c = r.begin("c").orElseThrow();
        for (HomeRecording h : List.of(a, b, c)) {
            fill(h, 900); // about 0.9 MiB each: 2.7 of the total's 3
        }
        assertEquals(a.frames().heldBytes() + b.frames().heldBytes() + c.frames().heldBytes(), r.heldBytes());
        r.end("a");
        r.end("b");
        assertEquals(List.of("a", "b"), r.keptHomes());
        assertTrue(r.find("a").isPresent() && r.find("a").get().ended(), "kept after its stop");
        assertNull(r.ring("a"), "a stopped home takes no more frames");
        fill(c, 400); // past the total: a's recording goes, the oldest kept
        assertEquals(List.of("b"), r.keptHomes());
        assertEquals(0, c.frames().dropped().frames(), "c lost nothing: room was made for it");
        HomeRecording d = r.begin("d").orElseThrow();
        fill(d, 1200); // past the total again: b goes
        assertEquals(List.of(), r.keptHomes());
        fill(d, 1000); // past the total with nothing kept: d lets its own oldest go, counted
        assertTrue(d.frames().dropped().frames() > 0);
        assertTrue(r.heldBytes() <= 3 * MIB, "never past the total: " + r.heldBytes());
        assertEquals(c.frames().heldBytes() + d.frames().heldBytes(), r.heldBytes());
        r.discard("c"); // as a spare nobody saw
        assertTrue(r.find("c").isEmpty());
        assertEquals(d.frames().heldBytes(), r.heldBytes(), "c's bytes given back");
    }

    /** {@code n} frames of 1,000 bytes on the home's LAN. */
    private static void fill(HomeRecording h, int n) {
        int lan = h.frames().iface("lan", Pcapng.LINKTYPE_ETHERNET, "bridge");
        byte[] frame = new byte[1000];
        for (int i = 0; i < n; i++) {
            h.frames().record(lan, i, frame, 0, frame.length, null);
        }
    }

    @Test
    void atMostKeptStoppedRecordingsAreKept() {
        Recordings r = new Recordings(MIB, 1000 * MIB, new HostLedger(dir));
        IntStream.range(0, Recordings.KEPT + 3).forEach(i -> {
            r.begin("h" + i);
            r.end("h" + i);
        });
        assertEquals(Recordings.KEPT, r.keptHomes().size());
        assertEquals("h3", r.keptHomes().get(0), "the oldest went first");
    }

    @Test
    void offRecordsNothing() {
        Recordings r = Recordings.off();
        assertFalse(r.on());
        assertTrue(r.begin("a").isEmpty());
        assertNull(r.ring("a"));
    }

    @Test
    void aRecordingsZipHoldsItsFramesEventsLogsAndSaysWhatItLetGo() throws Exception {
        Recordings r = new Recordings(64 * 1024, MIB, new HostLedger(dir));
        HomeRecording h = r.begin("h").orElseThrow();
        assertNotNull(r.ring("h"));
        int lan = h.frames().iface("lan", Pcapng.LINKTYPE_ETHERNET, "bridge");
        h.frames().record(lan, 1_000, new byte[60], 0, 60, null);
        for (int i = 0; i < 200; i++) { // past the events' share (2 KiB of 64): the oldest go
            h.event(i + 1, Instant.ofEpochSecond(1_765_000_000L, i), "EXEC_STARTED", "n1", Map.of("command", "true " + i));
        }
        h.keepLog("n1", "node-one", "x".repeat(10_000)); // past a node's share (4 KiB): its head goes
        h.links(Instant.ofEpochSecond(1_765_000_001L), "ip", "partition", Map.of("partitions", Map.of("p", List.of("n1"))));
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        h.writeZip(zip, Map.of("home_id", "h"), List.of(new HomeRecording.NodeLog("n2", "node-two", "live\n")));
        Map<String, String> entries = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.toByteArray()))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
        assertEquals(List.of("events.jsonl", "links.jsonl", "logs/node-one.log", "logs/node-two.log",
                "recording.pcapng", "summary.json", "topology.json"), List.copyOf(entries.keySet()));
        JsonNode links = new ObjectMapper().readTree(entries.get("links.jsonl"));
        assertEquals("[\"n1\"]", links.path("links").path("partitions").path("p").toString(), links.toString());
        assertEquals(1_765_000_001_000_000_000L, links.path("epoch_nanos").asLong());
        String[] events = entries.get("events.jsonl").split("\n");
        JsonNode last = new ObjectMapper().readTree(events[events.length - 1]);
        assertEquals(200, last.path("seq").asInt(), "the newest events kept");
        assertEquals("true 199", last.path("detail").path("command").asText());
        assertEquals(1_765_000_000_000_000_199L, last.path("epoch_nanos").asLong());
        assertTrue(entries.get("logs/node-one.log").startsWith("[cirque: the first "), "said where it was cut");
        JsonNode summary = new ObjectMapper().readTree(entries.get("summary.json"));
        assertEquals(200 - events.length, summary.path("events").path("let_go").asInt(), summary.toString());
        assertEquals(1, summary.path("frames").path("held").asInt());
        assertEquals("lan", summary.path("interfaces").get(0).asText());
    }
}
