package dev.cirque.core.capability;

import dev.cirque.core.CirqueException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
        Path p = parse(what, hostPath);
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

    /** A path from a request; INVALID_ARGUMENT (not an internal error) for one no file system takes, e.g. with a NUL. */
    public static Path parse(String what, String path) {
        try {
            return Path.of(path);
        } catch (InvalidPathException e) {
            throw CirqueException.invalid(what + " is not a path: " + e.getReason());
        }
    }

    /** Which file a path named when it was checked: its device and inode. */
    public record Identity(Path checked, long device, long inode) {}

    /**
     * Checks a host path (see {@link #check}) and notes which file it is, so that what Docker
     * later mounts can be compared with it ({@link #verifyMounted}): a directory swapped for a
     * link between the check and the mount is caught.
     */
    public Identity checkIdentity(String what, String hostPath) {
        Path real = check(what, hostPath);
        try {
            Map<String, Object> a = Files.readAttributes(real, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            if (!real.toRealPath().equals(real)) {
                throw CirqueException.precondition(what + " '" + hostPath + "' changed while it was checked: refused");
            }
            return new Identity(real, ((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
        } catch (IOException e) {
            throw CirqueException.invalid(what + " '" + hostPath + "' cannot be read: " + e.getMessage());
        }
    }

    /**
     * Compares what is mounted at {@code target} in the node (seen through its root,
     * {@code /proc/<pid>/root}) with the file that was checked; FAILED_PRECONDITION when they
     * differ: the host path was swapped between the check and the mount.
     */
    public static void verifyMounted(String what, long nodePid, String target, Identity expected) {
        Path inNode = Path.of("/proc", Long.toString(nodePid), "root", target.substring(1));
        try {
            Map<String, Object> a = Files.readAttributes(inNode, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            if (((Number) a.get("dev")).longValue() != expected.device()
                    || ((Number) a.get("ino")).longValue() != expected.inode()) {
                throw CirqueException.precondition(what + " " + expected.checked() + " was replaced between its check"
                        + " and its mount at " + target + " (a link swapped in?): refused");
            }
        } catch (IOException e) {
            throw CirqueException.precondition(what + ": cannot see what is mounted at " + target + " in the node: "
                    + e.getMessage());
        }
    }

    private static boolean isSame(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
