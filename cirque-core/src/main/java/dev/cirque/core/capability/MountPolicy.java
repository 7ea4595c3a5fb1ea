package dev.cirque.core.capability;

import dev.cirque.core.CirqueException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which host paths a node may bind-mount. A path is made absolute and real (symlinks
 * resolved) before it is judged, so a link cannot smuggle in what its target would not.
 * Always refused: {@code /}, the Docker socket, and {@code /proc}, {@code /sys},
 * {@code /dev}, {@code /etc} with everything under them. When allowed roots are
 * configured, the path must also lie under one of them.
 */
public final class MountPolicy {

    private static final List<Path> NEVER = List.of(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"),
            Path.of("/etc"));
    private static final List<Path> SOCKETS = List.of(Path.of("/var/run/docker.sock"), Path.of("/run/docker.sock"));

    private final List<Path> allowedRoots;

    /** @param allowedRoots where mounts may come from; empty allows any path not always refused */
    public MountPolicy(List<Path> allowedRoots) {
        this.allowedRoots = allowedRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    public static MountPolicy permissive() {
        return new MountPolicy(List.of());
    }

    public List<Path> allowedRoots() {
        return allowedRoots;
    }

    /** Checks a host path for {@code what} (e.g. "Mount host_path"); returns its real path. */
    public Path check(String what, String hostPath) {
        if (hostPath == null || hostPath.isBlank()) {
            throw CirqueException.invalid(what + " is required");
        }
        Path p = Path.of(hostPath);
        if (!p.isAbsolute()) {
            throw CirqueException.invalid(what + " must be an absolute path, got '" + hostPath + "'");
        }
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            throw CirqueException.invalid(what + " '" + hostPath + "' does not exist on the host");
        }
        if (real.getNameCount() == 0) {
            throw CirqueException.invalid(what + " '" + hostPath + "' is the host's root: refused");
        }
        for (Path socket : SOCKETS) {
            if (real.equals(socket) || Files.exists(socket) && isSame(real, socket)) {
                throw CirqueException.invalid(what + " '" + hostPath + "' is the Docker socket: refused, it"
                        + " would hand the node the whole host");
            }
        }
        for (Path never : NEVER) {
            if (real.startsWith(never)) {
                throw CirqueException.invalid(what + " '" + hostPath + "' lies under " + never + ": refused");
            }
        }
        if (!allowedRoots.isEmpty() && allowedRoots.stream().noneMatch(real::startsWith)) {
            throw CirqueException.invalid(what + " '" + hostPath + "' is outside the allowed mount roots "
                    + allowedRoots);
        }
        return real;
    }

    private static boolean isSame(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
