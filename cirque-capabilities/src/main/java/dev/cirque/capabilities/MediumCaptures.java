package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CapturingMedium;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A medium's capture as the fronts ask for it (Thread's, WiFi's): started, stopped, read back
 * for download at {@code /MEDIUM/{home}/capture}. Unknown homes are the caller's to refuse.
 */
final class MediumCaptures {

    /** A capture's state after a start or a stop. */
    record State(boolean capturing, String downloadPath, long bytes) {}

    private MediumCaptures() {}

    /** {@code route}: the medium's HTTP name ({@code thread}, {@code wifi}). */
    static State set(CapturingMedium medium, String route, String home, boolean start) {
        String download = "/" + route + "/" + home + "/capture";
        if (start) {
            try {
                medium.startCapture(home);
            } catch (IllegalStateException e) {
                throw CirqueException.precondition(e.getMessage() + "; start the capture once it has one");
            } catch (IOException e) {
                throw new CirqueException(CirqueException.Kind.INTERNAL, "cannot start the capture: " + e, e);
            }
            return new State(true, download, 0);
        }
        medium.stopCapture(home);
        return new State(false, download, medium.captureFile(home).map(MediumCaptures::size).orElse(0L));
    }

    /** The capture's bytes, while it runs too; NOT_FOUND saying how to start one when there is none. */
    static byte[] read(CapturingMedium medium, String route, String rpc, String home) {
        Path file = medium.captureFile(home).orElseThrow(() -> CirqueException.notFound("home " + home + " has no "
                + medium.name() + " capture; start one (POST /" + route + "/" + home + "/capture/start, " + rpc + ")"));
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
