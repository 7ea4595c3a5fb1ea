package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.MountCapability;
import dev.cirque.proto.MountPair;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The race past --mount-root: while nodes are created with an allowed directory, another
 * thread keeps swapping that directory with a link to /run (where the Docker socket is),
 * atomically (renameat2 RENAME_EXCHANGE), so that Docker may resolve the link the policy
 * never saw. No node may ever see /run: each either mounts the directory that was checked
 * or is refused and rolled back.
 */
class MountRaceTest {

    /** libc's renameat2, for the atomic exchange no Java API offers. */
    public interface Rename {
        int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);
    }

    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 2;

    @TempDir
    Path dir;

    @Test
    void aSwappedDirectoryNeverReachesANode() throws Exception {
        Path allowed = Files.createDirectories(dir.resolve("allowed"));
        Path data = Files.createDirectories(allowed.resolve("data"));
        Files.writeString(data.resolve("marker"), "checked");
        Path link = Files.createSymbolicLink(allowed.resolve("alt"), Path.of("/run"));
        Rename libc = LibraryLoader.create(Rename.class).load("c");
        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicLong swaps = new AtomicLong();
        Thread swapper = new Thread(() -> {
            while (swapping.get()) {
                if (libc.renameat2(AT_FDCWD, data.toString(), AT_FDCWD, link.toString(), RENAME_EXCHANGE) == 0) {
                    swaps.incrementAndGet();
                }
            }
        });
        int mounted = 0;
        int refused = 0;
        try (TestDaemon daemon = new TestDaemon(new HostSettings(new MountPolicy(List.of(allowed)), Map.of()))) {
            String home = daemon.newHome();
            swapper.start();
            try {
                for (int i = 0; i < 40; i++) {
                    try {
                        CirqueDevice node = daemon.create(home, DeviceSpecification.newBuilder()
                                .setDeviceType(TestDaemon.NODE_IMAGE).setMountCapability(MountCapability.newBuilder()
                                        .addMountPairs(MountPair.newBuilder().setHostPath(data.toString())
                                                .setTargetPath("/x"))));
                        String seen = daemon.exec(home, node, "ls /x");
                        assertEquals("marker\n", seen, "node " + i + " sees something else than what was checked");
                        mounted++;
                    } catch (StatusRuntimeException e) {
                        Status.Code code = e.getStatus().getCode();
                        assertTrue(code == Status.Code.FAILED_PRECONDITION || code == Status.Code.INVALID_ARGUMENT,
                                e.getStatus().toString());
                        refused++;
                    }
                }
            } finally {
                swapping.set(false);
                swapper.join();
                daemon.stopHome(home);
            }
        }
        System.out.println("mount race: " + swaps.get() + " swaps; 40 nodes: " + mounted + " mounted what was checked, "
                + refused + " refused; 0 saw /run");
        assertTrue(swaps.get() > 1000, "the swap loop ran");
        assertTrue(refused > 0, "the race was met at least once (else this test proves nothing): " + swaps.get());
    }
}
