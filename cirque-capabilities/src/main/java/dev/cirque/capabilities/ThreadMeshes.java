package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeService;
import dev.cirque.sim.thread.ThreadMedium;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the fronts (gRPC, HTTP, CLI) ask of a home's Thread mesh: its topology and its
 * capture. Unknown homes are NOT_FOUND; a daemon without the Thread medium, or a capture
 * of a home without Thread nodes, FAILED_PRECONDITION.
 */
public final class ThreadMeshes {

    /** A capture's state after a start or a stop. */
    public record Capture(boolean capturing, String downloadPath, long bytes) {}

    private final HomeService homes;

    public ThreadMeshes(HomeService homes) {
        this.homes = homes;
    }

    public List<ThreadTopology.ThreadNode> topology(String home) {
        ThreadMedium medium = medium();
        homes.home(home);
        return ThreadTopology.of(homes, home, medium);
    }

    public boolean capturing(String home) {
        return medium().capturing(home);
    }

    public Capture capture(String home, boolean start) {
        ThreadMedium medium = medium();
        homes.home(home);
        String download = "/thread/" + home + "/capture";
        if (start) {
            try {
                medium.startCapture(home);
            } catch (IllegalStateException e) {
                throw CirqueException.precondition(e.getMessage() + "; start the capture once it has one");
            } catch (IOException e) {
                throw new CirqueException(CirqueException.Kind.INTERNAL, "cannot start the capture: " + e, e);
            }
            return new Capture(true, download, 0);
        }
        medium.stopCapture(home);
        return new Capture(false, download, medium.captureFile(home).map(ThreadMeshes::size).orElse(0L));
    }

    /** The capture's bytes, while it runs too. */
    public byte[] captured(String home) {
        ThreadMedium medium = medium();
        homes.home(home);
        Path file = medium.captureFile(home).orElseThrow(() -> CirqueException.notFound("home " + home
                + " has no Thread capture; start one (POST /thread/" + home + "/capture/start, SetThreadCapture)"));
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ThreadMedium medium() {
        return homes.links().find(ThreadMedium.NAME).map(ThreadMedium.class::cast).orElseThrow(
                () -> CirqueException.precondition("this daemon has no Thread medium"));
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
