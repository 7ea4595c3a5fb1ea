package dev.cirque.core.recording;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * A home's events (or link states) as JSON lines, up to a number of bytes: the oldest go first when a new one
 * does not fit, and how many went is counted. Safe to use from several threads.
 */
final class EventLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final long capacityBytes;
    private final ArrayDeque<byte[]> lines = new ArrayDeque<>();
    private long heldBytes;
    private long dropped;

    EventLog(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** One event: its count in the home, its time, its kind, the node (or empty) and its details. */
    void add(long seq, Instant at, String kind, String nodeId, Map<String, String> detail) {
        ObjectNode e = timed(at).put("seq", seq).put("kind", kind).put("device_id", nodeId);
        detail.forEach(e.putObject("detail")::put);
        add(e);
    }

    /** A line that starts with its time: {@code at} (ISO-8601) and {@code epoch_nanos}. */
    static ObjectNode timed(Instant at) {
        return JSON.createObjectNode().put("at", at.toString())
                .put("epoch_nanos", at.getEpochSecond() * 1_000_000_000L + at.getNano());
    }

    /** One line as given; the oldest lines go when it does not fit. */
    void add(ObjectNode e) {
        byte[] line;
        try {
            line = (JSON.writeValueAsString(e) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (JsonProcessingException impossible) {
            throw new UncheckedIOException(impossible); // a tree of plain values always writes
        }
        synchronized (this) {
            while (!lines.isEmpty() && heldBytes + line.length > capacityBytes) {
                heldBytes -= lines.removeFirst().length;
                dropped++;
            }
            if (line.length > capacityBytes) {
                dropped++;
                return;
            }
            lines.addLast(line);
            heldBytes += line.length;
        }
    }

    synchronized long dropped() {
        return dropped;
    }

    synchronized int size() {
        return lines.size();
    }

    synchronized long heldBytes() {
        return heldBytes;
    }

    void writeTo(OutputStream out) throws IOException {
        List<byte[]> held;
        synchronized (this) {
            held = List.copyOf(lines);
        }
        for (byte[] line : held) {
            out.write(line);
        }
    }
}
