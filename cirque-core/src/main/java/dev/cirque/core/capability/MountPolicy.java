package dev.cirque.core.capability;

import dev.cirque.core.CirqueException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which host paths a node may bind-mount. Closed by default: no host path at all until the
 * operator names the directories nodes may take paths from ({@code --mount-root}), or opts
 * in to any path ({@code --mount-any-path}, documented as unsafe). Whatever was allowed, the
 * host's own state is always refused: {@code /}, {@code /run} and {@code /var/run} (the
 * Docker and containerd sockets live there), {@code /proc}, {@code /sys}, {@code /dev},
 * {@code /etc}, {@code /root}, {@code /boot}, and Docker's and containerd's state, with
 * everything under them. A path is made absolute and real (symlinks resolved) before it is
 * judged, so a link cannot smuggle in what its target would not.
 */
public final class MountPolicy {

    private static final List<Path> NEVER = List.of(Path.of("/run"), Path.of("/var/run"), Path.of("/proc"),
            Path.of("/sys"), Path.of("/dev"), Path.of("/etc"), Path.of("/root"), Path.of("/boot"),
            Path.of("/var/lib/docker"), Path.of("/var/lib/containerd"));
    private static final List<Path> SOCKETS = List.of(Path.of("/var/run/docker.sock"), Path.of("/run/docker.sock"));

    private final List<Path> allowedRoots;
    private final boolean anyPath;

    /** @param allowedRoots where mounts may come from; empty allows none */
    public MountPolicy(List<Path> allowedRoots) {
        this(allowedRoots, false);
    }

    private MountPolicy(List<Path> allowedRoots, boolean anyPath) {
        this.allowedRoots = allowedRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.anyPath = anyPath;
    }

    /** No host path may be mounted. */
    public static MountPolicy closed() {
        return new MountPolicy(List.of());
    }

    /** The operator's opt-in: any host path but the always-refused ones. */
    public static MountPolicy anyPath() {
        return new MountPolicy(List.of(), true);
    }

    public List<Path> allowedRoots() {
        return allowedRoots;
    }

    /** Whether any path may be mounted (the opt-in) rather than only paths under the roots. */
    public boolean allowsAnyPath() {
        return anyPath;
    }

    /** Checks a host path for {@code what} (e.g. "Mount host_path"); returns its real path. */
    public Path check(String what, String hostPath) {
        if (hostPath == null || hostPath.isBlank()) {
            throw CirqueException.invalid(what + " is required");
        }
        if (!anyPath && allowedRoots.isEmpty()) {
            throw CirqueException.precondition(what + " '" + hostPath + "': this daemon mounts no host path; start it"
                    + " with --mount-root DIR for the directories nodes may take paths from");
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
                throw CirqueException.invalid(what + " '" + hostPath + "' lies under " + never + ": refused, it"
                        + " holds the host's own state");
            }
        }
        if (!anyPath && allowedRoots.stream().noneMatch(real::startsWith)) {
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
