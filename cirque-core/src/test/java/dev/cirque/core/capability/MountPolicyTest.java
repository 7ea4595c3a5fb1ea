package dev.cirque.core.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountPolicyTest {

    @TempDir
    Path dir;

    @Test
    void allowedRootsConfineMountsAndLinksAreJudgedByTheirTarget() throws Exception {
        Path inside = Files.createDirectories(dir.resolve("allowed/data"));
        Path outside = Files.createDirectories(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(dir.resolve("allowed/link-out"), outside);
        MountPolicy policy = new MountPolicy(List.of(dir.resolve("allowed")));

        assertEquals(inside.toRealPath(), policy.check("Mount host_path", inside.toString()));
        CirqueException out = assertThrows(CirqueException.class, () -> policy.check("Mount host_path", outside.toString()));
        assertTrue(out.getMessage().contains("outside the allowed mount roots"), out.getMessage());
        assertThrows(CirqueException.class, () -> policy.check("Mount host_path", link.toString()));
        assertThrows(CirqueException.class, () -> policy.check("Mount host_path", dir + "/allowed/../elsewhere"));
    }

    @Test
    void noHostPathIsMountableUntilTheOperatorSaysWhich() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        for (MountPolicy closed : List.of(MountPolicy.closed(), new MountPolicy(List.of()))) {
            CirqueException e = assertThrows(CirqueException.class, () -> closed.check("Mount host_path", data.toString()));
            assertEquals(CirqueException.Kind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("--mount-root"), e.getMessage());
        }
        assertEquals(data.toRealPath(), MountPolicy.anyPath().check("Mount host_path", data.toString()));
    }

    @Test
    void someHostPathsAreAlwaysRefused() {
        MountPolicy any = MountPolicy.anyPath();
        MountPolicy fromRoot = new MountPolicy(List.of(Path.of("/")));
        for (String p : List.of("/", "/etc", "/etc/hostname", "/proc", "/sys/kernel", "/dev/null", "/run", "/var/run",
                "/root", "/boot", "/var/lib/docker", "/var/lib/containerd")) {
            if (!Files.exists(Path.of(p))) {
                continue;
            }
            for (MountPolicy policy : List.of(any, fromRoot)) {
                CirqueException e = assertThrows(CirqueException.class, () -> policy.check("Mount host_path", p), p);
                assertEquals(CirqueException.Kind.INVALID_ARGUMENT, e.kind(), p);
            }
        }
        assertThrows(CirqueException.class, () -> any.check("Mount host_path", "relative"));
        assertThrows(CirqueException.class, () -> any.check("Mount host_path", ""));
    }

    @Test
    void aPathNoFileSystemTakesIsABadArgumentNotAnInternalError() {
        // Found by FuzzTest: a NUL in a path made Path.of throw, answered as INTERNAL.
        for (MountPolicy policy : List.of(MountPolicy.anyPath(), new MountPolicy(List.of(dir)))) {
            CirqueException e = assertThrows(CirqueException.class, () -> policy.check("Mount host_path", dir + "/a\0b"));
            assertEquals(CirqueException.Kind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().contains("Mount host_path is not a path"), e.getMessage());
        }
    }
}
