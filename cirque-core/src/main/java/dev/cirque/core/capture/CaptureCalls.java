package dev.cirque.core.capture;

import dev.cirque.core.CirqueException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A medium's capture as clients ask for it, whichever call they use (the generic
 * {@code /media/...} and {@code MediumService}, Thread's and WiFi's typed ones): started,
 * stopped, read back. Unknown homes are the caller's to refuse first.
 */
public final class CaptureCalls {

    private CaptureCalls() {}

    /** Starts or stops the home's capture; FAILED_PRECONDITION while the home has no radio on the medium. */
    public static CaptureState set(CapturingMedium medium, String home, boolean start, String downloadPath) {
        if (start) {
            try {
                medium.startCapture(home);
            } catch (IllegalStateException e) {
                throw CirqueException.precondition(e.getMessage() + "; start the capture once it has one");
            } catch (IOException e) {
                throw new CirqueException(CirqueException.Kind.INTERNAL, "cannot start the capture: " + e, e);
            }
            return new CaptureState(medium.name(), true, downloadPath, 0);
        }
        medium.stopCapture(home);
        return new CaptureState(medium.name(), false, downloadPath, medium.captureFile(home).map(CaptureCalls::size).orElse(0L));
    }

    /** The capture's bytes, while it runs too; NOT_FOUND, saying {@code howToStart} one, when there is none. */
    public static byte[] read(CapturingMedium medium, String home, String howToStart) {
        Path file = medium.captureFile(home).orElseThrow(() -> CirqueException.notFound("home " + home + " has no "
                + medium.name() + " capture; start one (" + howToStart + ")"));
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
