package dev.cirque.core.link;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * What a link does to one frame, the same on every medium (IP, Thread, WiFi): a loss draw,
 * a delay drawn uniformly within latency ± jitter (never below 0), and the order rule: one
 * link's frames leave in the order they came, none due before the frame ahead of it on its
 * link (as netem keeps a flow in order when jitter is wider than the spacing).
 *
 * <p>The random source is given: seeded, the same sequence of frames meets the same drops
 * and delays, so a run can be replayed. Not thread-safe: a medium decides its frames on one
 * thread and keeps one impairment per home there.
 */
public final class Impairment {

    /** {@link #due}'s answer for a frame that does not pass. */
    public static final long DROPPED = Long.MIN_VALUE;
    /** Links remembered for the order rule before the oldest are let go (their frames long sent). */
    private static final int MAX_LINKS = 65_536;

    private final RandomGenerator random;
    private final Map<Object, Long> lastDue = new HashMap<>();

    public Impairment(RandomGenerator random) {
        this.random = random;
    }

    /** Seeded: the same frames meet the same decisions; null: a fresh random source. */
    public static Impairment seeded(Long seed) {
        return new Impairment(seed == null ? new SplittableRandom() : new SplittableRandom(seed));
    }

    /** Whether one frame crosses the link: it is up and the loss draw spares it. */
    public boolean passes(LinkConditions c) {
        return c.up() && (c.lossPercent() <= 0 || random.nextDouble() * 100 >= c.lossPercent());
    }

    /** One frame's delay in nanoseconds: latency ± jitter, uniform, never below 0. */
    public long delayNanos(LinkConditions c) {
        long delay = c.latencyMs() * 1_000_000L;
        if (c.jitterMs() > 0) {
            long spread = c.jitterMs() * 1_000_000L;
            delay += random.nextLong(-spread, spread + 1);
        }
        return Math.max(0, delay);
    }

    /**
     * When a frame that may leave after {@code delayNanos} leaves on {@code link}: never before
     * the link's previous frame (on the {@link System#nanoTime} clock of {@code now}).
     */
    public long order(Object link, long now, long delayNanos) {
        Long ahead = lastDue.get(link);
        long due = ahead == null ? now + delayNanos : Math.max(now + delayNanos, ahead);
        if (due > now) {
            if (lastDue.size() >= MAX_LINKS && ahead == null) {
                lastDue.values().removeIf(t -> t <= now); // those frames have left
                if (lastDue.size() >= MAX_LINKS) {
                    lastDue.clear();
                }
            }
            lastDue.put(link, due);
        }
        return due;
    }

    /**
     * For a copy of a frame already on the link (a retransmission, which its receiver
     * discards): drawn as any, never due before the frame ahead of it, and not holding back
     * the frames after it; {@link #DROPPED} when it does not pass.
     */
    public long dueBehind(Object link, LinkConditions c, long now) {
        if (!passes(c)) {
            return DROPPED;
        }
        Long ahead = lastDue.get(link);
        long due = now + delayNanos(c);
        return ahead == null ? due : Math.max(due, ahead);
    }

    /**
     * For a frame outside any order (an acknowledgement answers one frame and opens no stream):
     * drawn as any, due after its own delay; {@link #DROPPED} when it does not pass.
     */
    public long dueAlone(LinkConditions c, long now) {
        return passes(c) ? now + delayNanos(c) : DROPPED;
    }

    /**
     * The whole decision for one frame on {@code link} arriving at {@code now}: {@link #DROPPED},
     * or when it is due (at most {@code now} for a frame to send at once).
     */
    public long due(Object link, LinkConditions c, long now) {
        if (!passes(c)) {
            return DROPPED;
        }
        if (c.latencyMs() == 0 && c.jitterMs() == 0 && !lastDue.containsKey(link)) {
            return now;
        }
        return order(link, now, delayNanos(c));
    }
}
