package dev.cirque.core.host;

import java.time.Instant;
import java.util.Optional;

/**
 * Which daemon process made something: its pid and the instant it started, so a pid
 * reused by an unrelated process is not mistaken for the owner. Written on every Docker
 * object ({@code cirque.owner}) and every ledger entry.
 */
public record Owner(long pid, long startMillis) {

    private static final Owner CURRENT = of(ProcessHandle.current());

    public static Owner current() {
        return CURRENT;
    }

    public static Owner of(ProcessHandle p) {
        return new Owner(p.pid(), p.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    }

    /** {@code pid:startMillis}. */
    public String label() {
        return pid + ":" + startMillis;
    }

    public static Optional<Owner> parse(String label) {
        if (label == null) {
            return Optional.empty();
        }
        String[] parts = label.split(":");
        try {
            return parts.length == 2 ? Optional.of(new Owner(Long.parseLong(parts[0]), Long.parseLong(parts[1])))
                    : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether this process still runs (the same one, not a later holder of its pid). */
    public boolean isAlive() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(Owner::of).map(this::equals).orElse(false);
    }
}
