package dev.cirque.core.capture;

import dev.cirque.core.link.LinkMedium;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** A medium that can write what a home's radios send to a pcap file, a capture per home. */
public interface CapturingMedium extends LinkMedium {

    /** The medium's captures. */
    HomeCaptures captures();

    /** Whether the home has a radio on this medium now (a capture of nothing is refused). */
    boolean carries(String homeId);

    /**
     * Starts writing every frame the home's radios send; a capture already running starts over.
     * The file lasts until the next start or until the home's last radio leaves.
     *
     * @throws IllegalStateException when the home has no radio on the medium
     */
    default Path startCapture(String homeId) throws IOException {
        if (!carries(homeId)) {
            throw new IllegalStateException("home " + homeId + " has no " + name() + " radio to capture");
        }
        return captures().start(homeId);
    }

    /** Stops the home's capture; its file stays for download. False when none ran. */
    default boolean stopCapture(String homeId) {
        return captures().stop(homeId);
    }

    /** The home's capture file, running or stopped, if there is one. */
    default Optional<Path> captureFile(String homeId) {
        return captures().existing(homeId);
    }

    default boolean capturing(String homeId) {
        return captures().capturing(homeId);
    }
}
