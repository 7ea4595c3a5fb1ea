package dev.cirque.sim.thread;

import dev.cirque.core.link.HomeImpairments;
import dev.cirque.core.link.Impairment;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkModel;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The air of every home's Thread networks: whether and when a radio hears a frame another
 * sent, from the home's link conditions and core's {@link Impairment}, and what each directed
 * link carried. Decisions only: {@link ThreadMedium} moves the bytes. {@link #decide} runs on
 * the relay's one thread.
 *
 * <p>The order rule, as a real MAC makes it hold: one link's data frames leave in the order
 * they came. Two kinds of frame are let out of it. An acknowledgement answers one frame and
 * opens no stream: it draws its own delay and holds nothing back. A retransmission (the same
 * bytes again on the link: OpenThread retries a frame whose acknowledgement is late, and a
 * link delayed past its acknowledgement timeout makes it retry every frame) never leaves before
 * the frame ahead of it, but holds back none after it: held behind every copy, a ping took
 * the slowest of several delay draws, not its own (50 ± 40 ms then added 150 ms to a round
 * trip rather than 100).
 */
final class ThreadAir {

    /** A sender and a receiver, by their keys in the medium. */
    record Hop(String homeId, String from, String to) {}

    private final Map<String, LinkModel.Snapshot> conditions = new ConcurrentHashMap<>(); // by home
    private final HomeImpairments impairments = new HomeImpairments();
    private final Map<Hop, long[]> counts = new ConcurrentHashMap<>(); // delivered, dropped
    /** Each hop's last data frame: the same bytes again are a retransmission. */
    private final Map<Hop, byte[]> lastFrames = new ConcurrentHashMap<>();

    void apply(String homeId, LinkModel.Snapshot snapshot) {
        conditions.put(homeId, snapshot);
    }

    /** A home whose last radio left: its conditions, draws and counts go. */
    void forget(String homeId) {
        conditions.remove(homeId);
        impairments.forget(homeId);
        counts.keySet().removeIf(h -> h.homeId().equals(homeId));
        lastFrames.keySet().removeIf(h -> h.homeId().equals(homeId));
    }

    /** One frame sent in a home: what every receiver's decision shares, looked up once. */
    record Transmission(String homeId, byte[] frame, boolean ack, LinkModel.Snapshot conditions,
            Impairment impairment) {}

    /** A frame a radio of {@code homeId} sent (the simulator's channel byte first). */
    Transmission sent(String homeId, byte[] frame) {
        LinkModel.Snapshot snapshot = conditions.getOrDefault(homeId, LinkModel.Snapshot.EMPTY);
        return new Transmission(homeId, frame, isAck(frame), snapshot, impairments.of(homeId, snapshot));
    }

    /**
     * When {@code to} hears the frame {@code from} sent at {@code now}: {@link Impairment#DROPPED},
     * or its due time ({@code <= now}: at once).
     */
    long decide(Transmission t, String from, String to, long now) {
        Hop hop = new Hop(t.homeId(), from, to);
        LinkConditions c = t.conditions().effective(from, to);
        long due = t.ack() ? t.impairment().dueAlone(c, now)
                : Arrays.equals(t.frame(), lastFrames.put(hop, t.frame())) ? t.impairment().dueBehind(hop, c, now)
                : t.impairment().due(hop, c, now);
        counts.computeIfAbsent(hop, h -> new long[2])[due == Impairment.DROPPED ? 1 : 0]++;
        return due;
    }

    /** Frames delivered [0] and dropped [1] on each directed link of the home, by node ids. */
    Map<LinkModel.Link, long[]> linkCounts(String homeId) {
        Map<LinkModel.Link, long[]> out = new TreeMap<>(Comparator.comparing(LinkModel.Link::from)
                .thenComparing(LinkModel.Link::to));
        counts.forEach((h, c) -> {
            if (h.homeId().equals(homeId)) {
                out.put(new LinkModel.Link(h.from(), h.to()), c.clone());
            }
        });
        return out;
    }

    /** The 802.15.4 frame type, after the channel byte the simulator puts first: 2 is an acknowledgement. */
    private static boolean isAck(byte[] frame) {
        return frame.length > 1 && (frame[1] & 0x07) == 2;
    }
}
