package dev.cirque.core.host;

import dev.cirque.core.CirqueException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out the numbered resources of this host (Thread port groups, access point subnets,
 * X displays) so that no two holders, in this daemon or in another daemon on the same host,
 * ever get the same number. A lease is a file {@code <dir>/<pool>/<n>} naming its owner
 * daemon ({@link Owner}); taking one holds the pool's lock file, so daemons never race. A
 * lease whose owner is dead is free again, and the start-up sweep ({@link #sweep}) removes
 * such leases.
 */
public final class HostAllocator {

    private static final Logger log = LoggerFactory.getLogger(HostAllocator.class);
    /** File locks are per process: threads of this JVM first agree among themselves. */
    private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    /** A number held until {@link #close()}. */
    public record Lease(String pool, int number, Path file, HostAllocator allocator) implements AutoCloseable {
        @Override
        public void close() {
            allocator.release(this);
        }
    }

    /** A lease as the files say: who holds it and for what. */
    public record Held(String pool, int number, Owner owner, String holder) {}

    private final Path dir;

    public HostAllocator(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    /**
     * The lowest number in {@code [first, last]} that no live daemon holds and that
     * {@code alsoFree} accepts (a check of the host itself, e.g. no X server on a display).
     *
     * @param holder what the number is for, recorded with it (for humans and logs)
     * @throws CirqueException RESOURCE_EXHAUSTED when none is left
     */
    public Lease take(String pool, int first, int last, IntPredicate alsoFree, String holder) {
        return withPoolLock(pool, () -> {
            for (int n = first; n <= last; n++) {
                Path file = dir.resolve(pool).resolve(Integer.toString(n));
                Optional<Held> held = read(pool, file);
                if (held.isPresent() && held.get().owner().isAlive()) {
                    continue;
                }
                if (!alsoFree.test(n)) {
                    continue;
                }
                Files.writeString(file, Owner.current().label() + "\n" + holder + "\n", StandardCharsets.UTF_8);
                return new Lease(pool, n, file, this);
            }
            throw new CirqueException(CirqueException.Kind.RESOURCE_EXHAUSTED, "no " + pool + " left on this host: "
                    + first + ".." + last + " are all held (see " + dir.resolve(pool) + ")");
        });
    }

    /** A specific number, if no live daemon holds it and {@code alsoFree} accepts it. */
    public Optional<Lease> takeExactly(String pool, int number, IntPredicate alsoFree, String holder) {
        try {
            return Optional.of(take(pool, number, number, alsoFree, holder));
        } catch (CirqueException e) {
            return Optional.empty();
        }
    }

    /** Gives a number back; a lease already gone (swept, or given back) is not an error. */
    public void release(Lease lease) {
        withPoolLock(lease.pool(), () -> {
            Optional<Held> held = read(lease.pool(), lease.file());
            if (held.isPresent() && held.get().owner().equals(Owner.current())) {
                Files.deleteIfExists(lease.file());
            }
            return null;
        });
    }

    /** Every lease on file, live or not. */
    public List<Held> held() {
        List<Held> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> pools = Files.list(dir)) {
            for (Path pool : pools.filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(pool)) {
                    for (Path f : files.toList()) {
                        read(pool.getFileName().toString(), f).ifPresent(out::add);
                    }
                }
            }
        } catch (IOException e) {
            log.warn("cannot read the leases in {}: {}", dir, e.toString());
        }
        return out;
    }

    /** Removes the leases of daemons that no longer run; returns how many. */
    public int sweep() {
        int removed = 0;
        for (Held h : held()) {
            if (h.owner().isAlive()) {
                continue;
            }
            boolean gone = withPoolLock(h.pool(), () -> {
                Path file = dir.resolve(h.pool()).resolve(Integer.toString(h.number()));
                Optional<Held> now = read(h.pool(), file);
                return now.isPresent() && !now.get().owner().isAlive() && Files.deleteIfExists(file);
            });
            if (gone) {
                removed++;
                log.info("freed {} {} held by dead daemon {} ({})", h.pool(), h.number(), h.owner().label(), h.holder());
            }
        }
        return removed;
    }

    private static Optional<Held> read(String pool, Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            Optional<Owner> owner = lines.isEmpty() ? Optional.empty() : Owner.parse(lines.get(0).strip());
            int n = Integer.parseInt(file.getFileName().toString());
            // An unreadable owner is treated as dead: its number can be taken again.
            return Optional.of(new Held(pool, n, owner.orElse(new Owner(0, 0)), lines.size() > 1 ? lines.get(1) : ""));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private interface Locked<T> {
        T run() throws IOException;
    }

    private <T> T withPoolLock(String pool, Locked<T> action) {
        Path poolDir = dir.resolve(pool);
        Path lockFile = dir.resolve(pool + ".lock");
        synchronized (JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new Object())) {
            try {
                Files.createDirectories(poolDir);
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    FileLock lock = ch.lock(); // other daemons' processes wait here
                    try {
                        return action.run();
                    } finally {
                        lock.release();
                    }
                }
            } catch (IOException e) {
                throw CirqueException.precondition("cannot use the host's lease directory " + poolDir + ": " + e);
            }
        }
    }
}
