package dev.cirque.core.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The tests' one way to wait for something another thread or process brings about: ask
 * again until the answer comes or the time is up, then fail saying what was awaited and what
 * was seen last. Asking again is polling, not synchronisation: the wait ends on the answer,
 * never on the clock alone. Shared through cirque-core's test-jar.
 */
public final class Eventually {

    /** How often to ask by default: often enough for a test, rarely enough not to load the machine. */
    public static final Duration EVERY = Duration.ofMillis(50);

    private Eventually() {}

    /** Waits until {@code condition} holds. */
    public static void await(String what, Duration within, BooleanSupplier condition) {
        await(what, within, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty());
    }

    /** Waits until {@code probe} gives an answer, and returns it. */
    public static <T> T await(String what, Duration within, Supplier<Optional<T>> probe) {
        return await(what, within, EVERY, probe, () -> "");
    }

    /**
     * Waits until {@code probe} gives an answer, asking every {@code every}; on time out the
     * failure says {@code what}, how long it waited and {@code lastSeen} (the state it saw).
     */
    public static <T> T await(String what, Duration within, Duration every, Supplier<Optional<T>> probe,
            Supplier<String> lastSeen) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Optional<T> answer = probe.get();
            if (answer.isPresent()) {
                return answer.get();
            }
            if (System.nanoTime() - deadline > 0) {
                String seen = lastSeen.get();
                throw new AssertionError("waited " + within.toMillis() + " ms for " + what
                        + (seen.isEmpty() ? "" : "; last seen: " + seen));
            }
            try {
                Thread.sleep(every.toMillis()); // between two askings, not instead of one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
