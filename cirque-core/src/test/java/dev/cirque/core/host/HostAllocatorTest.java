package dev.cirque.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases on a real directory, with real processes standing in for other daemons: a live
 * one (a {@code sleep}) and a dead one (an owner whose start time no process has).
 */
class HostAllocatorTest {

    @TempDir
    Path dir;
    private final List<Process> others = new ArrayList<>();

    @AfterEach
    void endOthers() {
        others.forEach(Process::destroyForcibly);
    }

    @Test
    void concurrentTakersNeverShareANumber() throws Exception {
        // Two allocators on one directory: two daemons' views of the same host.
        HostAllocator one = new HostAllocator(dir);
        HostAllocator two = new HostAllocator(dir);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> taken = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            HostAllocator a = i % 2 == 0 ? one : two;
            taken.add(pool.submit(() -> a.take("p", 1, 100, n -> true, "test").number()));
        }
        Set<Integer> numbers = new HashSet<>();
        for (Future<Integer> f : taken) {
            assertTrue(numbers.add(f.get(10, TimeUnit.SECONDS)), "handed out twice: " + numbers);
        }
        pool.shutdown();
        assertEquals(40, numbers.size());
        assertEquals(1, Collections.min(numbers));
        assertEquals(40, Collections.max(numbers), "lowest free first");
    }

    @Test
    void aLiveOtherDaemonsLeaseIsSkippedAndKept() throws Exception {
        Process other = new ProcessBuilder("sleep", "60").start();
        others.add(other);
        leaseFile("p", 1, Owner.of(other.toHandle()));
        HostAllocator allocator = new HostAllocator(dir);
        assertEquals(2, allocator.take("p", 1, 5, n -> true, "mine").number());
        assertEquals(0, allocator.sweep(), "a live owner's lease is not swept");
        assertTrue(Files.exists(dir.resolve("p").resolve("1")));
    }

    @Test
    void aDeadDaemonsLeaseIsFreeAndSwept() throws Exception {
        Owner dead = new Owner(ProcessHandle.current().pid(), 1); // this pid, another start time: not alive
        assertFalse(dead.isAlive());
        leaseFile("p", 1, dead);
        leaseFile("p", 2, dead);
        HostAllocator allocator = new HostAllocator(dir);
        HostAllocator.Lease lease = allocator.take("p", 1, 5, n -> true, "mine");
        assertEquals(1, lease.number(), "a dead owner's number is taken again");
        assertEquals(1, allocator.sweep(), "the other dead lease is swept, ours is not");
        assertEquals(List.of(1), allocator.held().stream().map(HostAllocator.Held::number).toList());
        lease.close();
        assertEquals(List.of(), allocator.held());
    }

    @Test
    void theHostCheckAndExhaustionAreHonoured() {
        HostAllocator allocator = new HostAllocator(dir);
        assertEquals(3, allocator.take("p", 1, 3, n -> n == 3, "x").number());
        CirqueException e = assertThrows(CirqueException.class, () -> allocator.take("p", 1, 3, n -> n == 3, "y"));
        assertEquals(CirqueException.Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(allocator.takeExactly("p", 3, n -> true, "z").isEmpty(), "3 is held");
        assertEquals(2, allocator.takeExactly("p", 2, n -> true, "z").orElseThrow().number());
    }

    @Test
    void releasingLeavesAnotherOwnersLeaseAlone() throws Exception {
        HostAllocator allocator = new HostAllocator(dir);
        HostAllocator.Lease lease = allocator.take("p", 1, 1, n -> true, "mine");
        Process other = new ProcessBuilder("sleep", "60").start();
        others.add(other);
        leaseFile("p", 1, Owner.of(other.toHandle())); // the file now names someone else
        lease.close();
        assertTrue(Files.exists(dir.resolve("p").resolve("1")), "not ours to delete any more");
    }

    private void leaseFile(String pool, int n, Owner owner) throws Exception {
        Files.createDirectories(dir.resolve(pool));
        Files.writeString(dir.resolve(pool).resolve(Integer.toString(n)), owner.label() + "\nanother daemon\n");
    }
}
