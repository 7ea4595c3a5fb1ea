package dev.cirque.core.space;

import dev.cirque.core.link.LinkConditions;

/**
 * What one radio medium makes of a received signal: below the receiver's sensitivity nothing
 * is heard (the link is down); above it, the chance of losing a frame falls with the margin
 * along a logistic curve,
 * <pre>
 *   loss% = 100 / (1 + exp((margin - 3 dB) / 1 dB)),   margin = received - sensitivity
 * </pre>
 * about 95 % at the sensitivity, 50 % 3 dB above it, 5 % at 6 dB, under 0.1 % (taken as
 * none) past 10 dB: the steep edge real 802.15.4 and 802.11 receivers show.
 *
 * @param carriesSignal whether the medium gives its receivers the signal (WiFi: hwsim's
 *                      per-frame signal, which a station reports); Thread's simulated radios
 *                      have no use for it
 */
public record RadioProfile(double txPowerDbm, double sensitivityDbm, boolean carriesSignal) {

    /** 802.15.4 at 2.4 GHz (Thread): 0 dBm out, -100 dBm sensitivity (common chips: -100 to -104). */
    public static final RadioProfile IEEE_802_15_4 = new RadioProfile(0, -100, false);
    /** 802.11 at 2.4 GHz (WiFi): 20 dBm out, -82 dBm sensitivity (the standard's figure for its slowest OFDM rate). */
    public static final RadioProfile IEEE_802_11 = new RadioProfile(20, -82, true);

    static final double CURVE_MIDPOINT_DB = 3;
    static final double CURVE_SCALE_DB = 1;
    /** Loss below this is taken as none, so that links far from the edge stay perfect. */
    static final double NEGLIGIBLE_LOSS_PERCENT = 0.1;

    /** The link's conditions for a signal received at {@code rxDbm}. */
    public LinkConditions conditions(double rxDbm) {
        double margin = rxDbm - sensitivityDbm;
        if (margin < 0) {
            return LinkConditions.DOWN;
        }
        double loss = 100 / (1 + Math.exp((margin - CURVE_MIDPOINT_DB) / CURVE_SCALE_DB));
        loss = loss < NEGLIGIBLE_LOSS_PERCENT ? 0 : Math.round(loss * 100) / 100.0;
        Integer signal = carriesSignal ? (int) Math.round(Math.max(LinkConditions.MIN_SIGNAL_DBM, Math.min(0, rxDbm)))
                : null;
        return new LinkConditions(0, 0, loss, true, signal);
    }
}
