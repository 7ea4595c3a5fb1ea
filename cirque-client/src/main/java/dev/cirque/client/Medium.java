package dev.cirque.client;

import dev.cirque.proto.CaptureChunk;
import dev.cirque.proto.MediumCaptureRequest;
import dev.cirque.proto.MediumCaptureState;
import dev.cirque.proto.MediumRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * One medium of a home, by name ({@code ip}, {@code thread}, {@code wifi}, or one a plug-in
 * brings): what it knows of the home, and its capture. Link conditions on it go through
 * {@link Home#link(Node, Node, String)} and {@link Home#partition}.
 */
public final class Medium {

    private final CirqueClient client;
    private final String homeId;
    private final String name;

    Medium(CirqueClient client, String homeId, String name) {
        this.client = client;
        this.homeId = homeId;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** What the medium knows of the home, as JSON text (as {@code GET /media/{medium}/{home}} gives it). */
    public String describe() {
        return Calls.call(() -> client.mediumStub().describeMedium(request())).getJson();
    }

    /** Starts capturing every frame the home's radios send on this medium (over again, if running). */
    public MediumCaptureState startCapture() {
        return capture(true);
    }

    public MediumCaptureState stopCapture() {
        return capture(false);
    }

    /** The capture so far (a pcap), while it runs too. */
    public byte[] capture() {
        return Calls.call(() -> {
            ByteArrayOutputStream pcap = new ByteArrayOutputStream();
            Iterator<CaptureChunk> chunks = client.mediumStub().getMediumCapture(request());
            chunks.forEachRemaining(c -> pcap.writeBytes(c.getData().toByteArray()));
            return pcap.toByteArray();
        });
    }

    /** Writes {@link #capture()} to {@code file}, for Wireshark or {@code tshark -r}. */
    public Path saveCapture(Path file) {
        try {
            return Files.write(file, capture());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MediumCaptureState capture(boolean start) {
        return Calls.call(() -> client.mediumStub().setMediumCapture(MediumCaptureRequest.newBuilder().setHomeId(homeId)
                .setMedium(name).setCapture(start).build()));
    }

    private MediumRequest request() {
        return MediumRequest.newBuilder().setHomeId(homeId).setMedium(name).build();
    }

    @Override
    public String toString() {
        return "medium " + name + " of home " + homeId;
    }
}
