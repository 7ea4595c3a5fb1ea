package dev.cirque.core.link;

import dev.cirque.core.CirqueException;

/**
 * What a directed link does to the frames or packets it carries, whatever the medium:
 * a delay of {@code latencyMs} spread uniformly by {@code jitterMs} either way, a
 * {@code lossPercent} chance of losing each one, whether it carries anything at all, and
 * for radio media the signal its receiver hears.
 *
 * @param latencyMs   added one-way delay, 0..60000
 * @param jitterMs    the delay varies uniformly within latency ± jitter (never below 0), 0..60000
 * @param lossPercent chance of loss in percent, 0..100 (fractions allowed)
 * @param up          false: nothing passes (a cut link, a partition)
 * @param signalDbm   the received signal strength in dBm, -120..0, on media that carry one
 *                    (WiFi); null: the medium's default. IP ignores it.
 */
public record LinkConditions(int latencyMs, int jitterMs, double lossPercent, boolean up, Integer signalDbm) {

    public static final int MAX_DELAY_MS = 60_000;
    public static final int MIN_SIGNAL_DBM = -120;

    /** A perfect link: no delay, no loss. */
    public static final LinkConditions IDEAL = new LinkConditions(0, 0, 0, true);

    /** A cut link. */
    public static final LinkConditions DOWN = new LinkConditions(0, 0, 0, false);

    /** Without a signal of its own (the medium's default). */
    public LinkConditions(int latencyMs, int jitterMs, double lossPercent, boolean up) {
        this(latencyMs, jitterMs, lossPercent, up, null);
    }

    public LinkConditions {
        if (signalDbm != null && (signalDbm < MIN_SIGNAL_DBM || signalDbm > 0)) {
            throw CirqueException.invalid("signal must be " + MIN_SIGNAL_DBM + "..0 dBm, got " + signalDbm);
        }
        if (latencyMs < 0 || latencyMs > MAX_DELAY_MS) {
            throw CirqueException.invalid("latency must be 0.." + MAX_DELAY_MS + " ms, got " + latencyMs);
        }
        if (jitterMs < 0 || jitterMs > MAX_DELAY_MS) {
            throw CirqueException.invalid("jitter must be 0.." + MAX_DELAY_MS + " ms, got " + jitterMs);
        }
        if (!(lossPercent >= 0 && lossPercent <= 100)) {
            throw CirqueException.invalid("loss must be a percentage, 0..100, got " + lossPercent);
        }
    }

    /** Latency and loss, the two of Cirque's TrafficControl. */
    public static LinkConditions of(int latencyMs, int jitterMs, double lossPercent) {
        return new LinkConditions(latencyMs, jitterMs, lossPercent, true);
    }

    /** Whether the link leaves what it carries alone (a signal of its own is not left alone). */
    public boolean ideal() {
        return up && latencyMs == 0 && jitterMs == 0 && lossPercent == 0 && signalDbm == null;
    }
}
