package dev.cirque.core.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Collects a command's or a log's output up to a limit and counts what it drops, so that a
 * node printing gigabytes cannot exhaust the daemon: what is kept ends with a line saying
 * how much was cut.
 */
public final class CappedOutput implements ContainerEngine.OutputSink {

    private final long limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long dropped;

    public CappedOutput(long limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void accept(Stream stream, byte[] chunk) {
        int room = (int) Math.max(0, Math.min(chunk.length, limit - kept.size()));
        kept.write(chunk, 0, room);
        dropped += chunk.length - room;
    }

    /** The output kept, as text, with the truncation marker when anything was dropped. */
    public synchronized String text() {
        String out = kept.toString(StandardCharsets.UTF_8);
        return dropped == 0 ? out : out + "\n[cirque: output cut at " + limit + " bytes; " + dropped
                + " more bytes dropped (--max-output-bytes)]\n";
    }
}
