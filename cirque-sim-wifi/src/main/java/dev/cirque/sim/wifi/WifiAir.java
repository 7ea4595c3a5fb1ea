package dev.cirque.sim.wifi;

import dev.cirque.core.link.HomeImpairments;
import dev.cirque.core.link.Impairment;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.random.RandomGenerator;

/**
 * The air of every home: who hears a transmitted 802.11 frame, with what signal and after how
 * long, and whether its sender gets an acknowledgement, from the home's link conditions. Only
 * radios of the sender's own home hear it. The decisions only: {@link HwsimMedium} feeds
 * frames in and carries the outcome out.
 *
 * <p>As the air does: a group-addressed frame (beacons, probes, ARP) is sent once, and each
 * radio of the home hears it or not by its own link. A unicast frame is tried at each rate
 * of the sender's retry chain as many times as the chain says, until one try reaches its
 * receiver and the acknowledgement comes back (the reverse link); the receiver hears it once,
 * and the sender learns how many tries it took. The link's signal is what the receiver hears
 * ({@value #DEFAULT_SIGNAL_DBM} dBm where none is set); its latency and jitter delay the frame.
 */
public final class WifiAir {

    /** The signal a receiver hears where the link sets none. */
    public static final int DEFAULT_SIGNAL_DBM = -50;
    private static final int RATES = 4;

    /** A radio on the air: whose it is. */
    public record Station(String homeId, String nodeId, long mac) {}

    /** One receiver's copy of a frame. */
    public record Delivery(Station receiver, int signalDbm, long delayNanos) {}

    /** A receiver that did not hear the frame, under the conditions of its link. */
    public record Miss(Station receiver, LinkConditions link) {}

    /**
     * What became of one transmission.
     *
     * @param sender           null when the transmitter is no radio of ours
     * @param attempts         the retry chain as tried, to report back (4 pairs of rate index, count)
     * @param statusDelayNanos when to tell the sender
     * @param decidedAtNanos   the moment ({@link System#nanoTime}) the delays count from
     * @param misses           the radios of the home it was for that did not hear it
     */
    public record Outcome(Station sender, List<Delivery> deliveries, boolean acked, int ackSignalDbm, byte[] attempts,
            long statusDelayNanos, long decidedAtNanos, List<Miss> misses) {}

    private final Map<Long, Station> radios = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, Station>> homes = new ConcurrentHashMap<>();
    private final Map<String, LinkModel.Snapshot> conditions = new ConcurrentHashMap<>();
    /** Drawn on the medium's one reading thread. */
    private final HomeImpairments impairments = new HomeImpairments();
    /** Per home, per directed link: frames delivered [0] and lost [1]. */
    private final Map<String, Map<LinkModel.Link, AtomicLongArray>> counts = new ConcurrentHashMap<>();

    public void add(String homeId, String nodeId, long mac) {
        Station s = new Station(homeId, nodeId, mac);
        radios.put(mac, s);
        homes.computeIfAbsent(homeId, h -> new ConcurrentHashMap<>()).put(mac, s);
    }

    /** Takes a radio off the air; the home is forgotten with its last radio. */
    public void remove(long mac) {
        Station s = radios.remove(mac);
        if (s == null) {
            return;
        }
        Map<Long, Station> home = homes.get(s.homeId());
        if (home != null) {
            home.remove(mac);
            if (home.isEmpty()) {
                homes.remove(s.homeId());
                counts.remove(s.homeId());
                impairments.forget(s.homeId());
                conditions.remove(s.homeId());
            }
        }
    }

    public Station station(long mac) {
        return radios.get(mac);
    }

    /** The home's radios now. */
    public List<Station> stations(String homeId) {
        return List.copyOf(homes.getOrDefault(homeId, Map.of()).values());
    }

    public boolean hasHome(String homeId) {
        return homes.containsKey(homeId);
    }

    /** The home's conditions now; kept only for homes with a radio on the air (it comes with one). */
    public void apply(String homeId, LinkModel.Snapshot snapshot) {
        if (homes.containsKey(homeId)) {
            conditions.put(homeId, snapshot);
        }
    }

    /**
     * Decides one transmission.
     *
     * @param transmitter the sending radio's address (hwsim's name for it)
     * @param receiver    the frame's first address (addr1): a radio, or a group address
     * @param noAck       the sender expects no acknowledgement
     * @param retryChain  the sender's rates to try: 4 pairs of (rate index, signed; count)
     */
    public Outcome transmit(long transmitter, long receiver, boolean noAck, byte[] retryChain) {
        Station sender = radios.get(transmitter);
        LinkModel.Snapshot snapshot = sender == null ? LinkModel.Snapshot.EMPTY
                : conditions.getOrDefault(sender.homeId(), LinkModel.Snapshot.EMPTY);
        Impairment impairment = sender == null ? null : impairments.of(sender.homeId(), snapshot);
        return transmit(sender, receiver, noAck, retryChain, snapshot, impairment);
    }

    /** As {@link #transmit(long, long, boolean, byte[])}, with draws from {@code random} (tests script them). */
    Outcome transmit(long transmitter, long receiver, boolean noAck, byte[] retryChain, RandomGenerator random) {
        Station sender = radios.get(transmitter);
        return transmit(sender, receiver, noAck, retryChain, sender == null ? LinkModel.Snapshot.EMPTY
                : conditions.getOrDefault(sender.homeId(), LinkModel.Snapshot.EMPTY), new Impairment(random));
    }

    private Outcome transmit(Station sender, long receiver, boolean noAck, byte[] retryChain,
            LinkModel.Snapshot snapshot, Impairment impairment) {
        byte[] attempts = normalised(retryChain);
        long now = System.nanoTime();
        if (sender == null) {
            return new Outcome(null, List.of(), false, DEFAULT_SIGNAL_DBM, onceAtFirstRate(attempts), 0, now, List.of());
        }
        Map<Long, Station> home = homes.getOrDefault(sender.homeId(), Map.of());
        List<Delivery> deliveries = new ArrayList<>();
        List<Miss> misses = new ArrayList<>(0);
        if (Mac.isGroup(receiver) || noAck) {
            for (Station to : home.values()) {
                if (to == sender || (!Mac.isGroup(receiver) && to.mac() != receiver)) {
                    continue;
                }
                LinkConditions c = snapshot.effective(sender.nodeId(), to.nodeId());
                boolean heard = impairment.passes(c);
                count(sender, to, heard);
                if (heard) {
                    deliveries.add(new Delivery(to, signal(c), delay(sender, to, c, impairment, now)));
                } else {
                    misses.add(new Miss(to, c));
                }
            }
            return new Outcome(sender, deliveries, false, DEFAULT_SIGNAL_DBM, onceAtFirstRate(attempts), 0, now, misses);
        }
        Station to = home.get(receiver);
        if (to == null || to == sender) {
            return new Outcome(sender, List.of(), false, DEFAULT_SIGNAL_DBM, attempts, 0, now, List.of()); // nobody answers: every try spent
        }
        LinkConditions forward = snapshot.effective(sender.nodeId(), to.nodeId());
        LinkConditions back = snapshot.effective(to.nodeId(), sender.nodeId());
        boolean heard = false;
        boolean acked = false;
        tries:
        for (int i = 0; i < RATES; i++) {
            int count = attempts[2 * i + 1] & 0xff;
            if (attempts[2 * i] < 0) {
                break;
            }
            for (int t = 1; t <= count; t++) {
                if (impairment.passes(forward)) {
                    heard = true;
                    if (impairment.passes(back)) {
                        acked = true;
                        attempts[2 * i + 1] = (byte) t;
                        for (int j = i + 1; j < RATES; j++) {
                            attempts[2 * j] = -1;
                            attempts[2 * j + 1] = 0;
                        }
                        break tries;
                    }
                }
            }
        }
        count(sender, to, heard);
        long delay = heard ? delay(sender, to, forward, impairment, now) : 0;
        if (heard) {
            deliveries.add(new Delivery(to, signal(forward), delay));
        } else {
            misses.add(new Miss(to, forward));
        }
        return new Outcome(sender, deliveries, acked, signal(back), attempts, delay, now, misses);
    }

    /** Frames heard [0] and lost [1] on each directed link of the home, by node ids. */
    public Map<LinkModel.Link, long[]> linkCounts(String homeId) {
        Map<LinkModel.Link, long[]> out = new TreeMap<>(Comparator.comparing(LinkModel.Link::from)
                .thenComparing(LinkModel.Link::to));
        counts.getOrDefault(homeId, Map.of()).forEach((link, c) -> out.put(link, new long[] {c.get(0), c.get(1)}));
        return out;
    }

    private void count(Station from, Station to, boolean heard) {
        counts.computeIfAbsent(from.homeId(), h -> new ConcurrentHashMap<>())
                .computeIfAbsent(new LinkModel.Link(from.nodeId(), to.nodeId()), l -> new AtomicLongArray(2))
                .incrementAndGet(heard ? 0 : 1);
    }

    private static int signal(LinkConditions c) {
        return c.signalDbm() == null ? DEFAULT_SIGNAL_DBM : c.signalDbm();
    }

    /** The frame's delay on its link: drawn, and never due before the link's frame ahead of it. */
    private static long delay(Station from, Station to, LinkConditions c, Impairment impairment, long now) {
        return impairment.order(new LinkModel.Link(from.nodeId(), to.nodeId()), now, impairment.delayNanos(c)) - now;
    }

    /** A copy of the chain, 8 bytes long (a short one is padded with unused rates). */
    private static byte[] normalised(byte[] chain) {
        byte[] out = new byte[2 * RATES];
        for (int i = 0; i < RATES; i++) {
            out[2 * i] = chain != null && chain.length > 2 * i ? chain[2 * i] : -1;
            out[2 * i + 1] = chain != null && chain.length > 2 * i + 1 ? chain[2 * i + 1] : 0;
        }
        return out;
    }

    /** Sent once at the first rate: what a frame without acknowledgement reports. */
    private static byte[] onceAtFirstRate(byte[] attempts) {
        byte[] out = attempts.clone();
        out[1] = 1;
        for (int j = 1; j < RATES; j++) {
            out[2 * j] = -1;
            out[2 * j + 1] = 0;
        }
        return out;
    }
}
