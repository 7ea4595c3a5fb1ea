package dev.cirque.client;

import dev.cirque.proto.RecordingChunk;
import dev.cirque.proto.RecordingRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * A home's flight recording as the daemon keeps it: from the home's creation, every frame of
 * its networks and media, its events and its nodes' logs, in one zip ({@code recording.pcapng},
 * {@code events.jsonl}, {@code logs/}, {@code topology.json}, {@code summary.json}). Read while
 * the home lives, or after its stop: the daemon keeps the recordings of recently stopped homes.
 */
public final class Recording {

    private final CirqueClient client;
    private final String homeId;

    Recording(CirqueClient client, String homeId) {
        this.client = client;
        this.homeId = homeId;
    }

    /** The zip as it is now. */
    public byte[] bytes() {
        return Calls.call(() -> {
            ByteArrayOutputStream zip = new ByteArrayOutputStream();
            Iterator<RecordingChunk> chunks = client.recordingStub().getRecording(RecordingRequest.newBuilder()
                    .setHomeId(homeId).build());
            chunks.forEachRemaining(c -> zip.writeBytes(c.getData().toByteArray()));
            return zip.toByteArray();
        });
    }

    /** Writes the zip to {@code file} (its directories made as needed) and returns it. */
    public Path saveTo(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            return Files.write(file, bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "recording of home " + homeId;
    }
}
