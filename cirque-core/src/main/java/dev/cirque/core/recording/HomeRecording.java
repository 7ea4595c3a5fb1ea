package dev.cirque.core.recording;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * One home's recording from its creation: the frames of its networks and media in one ring,
 * its events, the logs of its nodes as they were removed, and its IP captures. Written as one
 * zip: {@code recording.pcapng}, {@code events.jsonl}, {@code links.jsonl} (each medium's
 * links after each change), {@code logs/NAME.log}, {@code topology.json}, {@code summary.json}. Safe to use from several threads.
 */
public final class HomeRecording {

    /** The application named in the pcapng's section header. */
    static final String APPLICATION = "cirque-java flight recorder";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A node's log, kept when the node went (or read live at export). */
    public record NodeLog(String nodeId, String name, String text) {}

    private final String homeId;
    private final long capacityBytes;
    private final Instant began = Instant.now();
    private volatile Instant ended;
    private final FrameRing frames;
    private final EventLog events;
    private final EventLog links;
    private final Map<String, NodeLog> logs = new LinkedHashMap<>(); // by node id, guarded by itself
    private final List<IpCapture> captures = new CopyOnWriteArrayList<>();
    private volatile Object lastTopology = Map.of();

    /**
     * Of {@code capacityBytes} in all: a 32nd for events, as much for link states, a sixteenth
     * for node logs, the rest for frames, which are taken from {@code pool} too.
     */
    HomeRecording(String homeId, long capacityBytes, FrameRing.Pool pool) {
        this.homeId = homeId;
        this.capacityBytes = capacityBytes;
        this.events = new EventLog(capacityBytes / 32);
        this.links = new EventLog(capacityBytes / 32);
        this.frames = new FrameRing(capacityBytes - 2 * (capacityBytes / 16), pool);
    }

    public String homeId() {
        return homeId;
    }

    /** The ring of the home's frames, for its media and captures. */
    public FrameRing frames() {
        return frames;
    }

    /** The most bytes a node's log keeps here. */
    public long logBytes() {
        return Math.max(4096, capacityBytes / 64);
    }

    /** One of the home's events. */
    public void event(long seq, Instant at, String kind, String nodeId, Map<String, String> detail) {
        events.add(seq, at, kind, nodeId, detail);
    }

    /**
     * The links of {@code medium} after a change ({@code change}: what changed), as the
     * medium's link view describes them: a replay finds the conditions at any moment.
     */
    public void links(Instant at, String medium, String change, Object state) {
        ObjectNode line = EventLog.timed(at).put("medium", medium).put("change", change);
        line.set("links", JSON.valueToTree(state));
        links.add(line);
    }

    /** Keeps a node's log (cut to {@link #logBytes}); past the logs' share, the oldest are let go. */
    public void keepLog(String nodeId, String name, String text) {
        synchronized (logs) {
            logs.put(nodeId, new NodeLog(nodeId, name, tail(text, logBytes())));
            long total = logs.values().stream().mapToLong(l -> l.text().length()).sum();
            var oldest = logs.keySet().iterator();
            while (total > capacityBytes / 16 && oldest.hasNext()) {
                String id = oldest.next();
                if (!id.equals(nodeId)) {
                    total -= logs.get(id).text().length();
                    oldest.remove();
                }
            }
        }
    }

    /** The home's topology just before its stop, which a recording read later shows. */
    public void lastTopology(Object topology) {
        lastTopology = topology;
    }

    /** See {@link #lastTopology(Object)}; an empty map before the stop. */
    public Object lastTopology() {
        return lastTopology;
    }

    /** An IP capture feeding the ring, ended with the recording. */
    void add(IpCapture capture) {
        captures.add(capture);
    }

    public boolean ended() {
        return ended != null;
    }

    /** Ends the captures; the recording is kept as it is from here on. */
    void end() {
        captures.forEach(IpCapture::close);
        ended = Instant.now();
    }

    /** Bytes held now: frames, events and logs. */
    public long heldBytes() {
        long logBytes;
        synchronized (logs) {
            logBytes = logs.values().stream().mapToLong(l -> l.text().length()).sum();
        }
        return frames.heldBytes() + events.heldBytes() + links.heldBytes() + logBytes;
    }

    /**
     * The zip: the ring's frames, the events, the kept logs and {@code liveLogs} (nodes still
     * running, read now), the home's {@code topology} as the caller knows it now, and a summary
     * of what was kept and what was let go.
     */
    public void writeZip(OutputStream out, Object topology, List<NodeLog> liveLogs) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        // The frames as they are: deflating 64 MiB of them takes seconds (0.9 s with Huffman
        // coding alone, measured), copying them 0.07 s; the text entries after shrink well.
        zip.setLevel(Deflater.NO_COMPRESSION);
        zip.putNextEntry(new ZipEntry("recording.pcapng"));
        // Frames are small blocks: deflate takes them a megabyte at a time, not block by block.
        java.io.BufferedOutputStream pcapng = new java.io.BufferedOutputStream(zip, 1 << 20);
        frames.writeTo(pcapng, APPLICATION);
        pcapng.flush();
        zip.closeEntry();
        zip.setLevel(Deflater.BEST_SPEED);
        zip.putNextEntry(new ZipEntry("events.jsonl"));
        events.writeTo(zip);
        zip.closeEntry();
        zip.putNextEntry(new ZipEntry("links.jsonl"));
        links.writeTo(zip);
        zip.closeEntry();
        Map<String, NodeLog> all;
        synchronized (logs) {
            all = new LinkedHashMap<>(logs);
        }
        liveLogs.forEach(l -> all.put(l.nodeId(), l));
        for (NodeLog l : all.values()) {
            zip.putNextEntry(new ZipEntry("logs/" + l.name() + ".log"));
            zip.write(l.text().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        zip.putNextEntry(new ZipEntry("topology.json"));
        zip.write(JSON.writeValueAsBytes(topology));
        zip.closeEntry();
        zip.putNextEntry(new ZipEntry("summary.json"));
        zip.write(JSON.writeValueAsBytes(summary()));
        zip.closeEntry();
        zip.finish();
        zip.flush();
    }

    /** What the recording holds and what it let go, for {@code summary.json} and humans. */
    public ObjectNode summary() {
        ObjectNode s = JSON.createObjectNode().put("home_id", homeId).put("began", began.toString())
                .put("ended", ended == null ? "" : ended.toString()).put("capacity_bytes", capacityBytes);
        FrameRing.Dropped dropped = frames.dropped();
        s.putObject("frames").put("held", frames.size()).put("held_bytes", frames.heldBytes())
                .put("let_go", dropped.frames()).put("let_go_bytes", dropped.bytes());
        ArrayNode ifaces = s.putArray("interfaces");
        frames.interfaceNames().forEach(ifaces::add);
        s.putObject("events").put("held", events.size()).put("let_go", events.dropped());
        s.putObject("link_states").put("held", links.size()).put("let_go", links.dropped());
        ArrayNode ip = s.putArray("ip_captures");
        captures.forEach(c -> ip.add(c.describe()));
        return s;
    }

    private static String tail(String text, long maxBytes) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length <= maxBytes) {
            return text;
        }
        int from = (int) (b.length - maxBytes);
        return "[cirque: the first " + from + " bytes of this log were let go]\n"
                + new String(b, from, b.length - from, StandardCharsets.UTF_8);
    }
}
