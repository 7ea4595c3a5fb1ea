package dev.cirque.sim.thread;

import dev.cirque.core.link.HomeImpairments;
import dev.cirque.core.link.Impairment;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.recording.FrameFate;
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
 *
 * <p>A link's delay is time on the link, not the receiver's turnaround: a radio acknowledges
 * a frame within a millisecond of hearing it, and OpenThread waits 16 ms for that. So where
 * either way between a sender and the radio its data frame is for is delayed, the medium
 * acknowledges the frame itself, at once, when the frame is to arrive (not lost or cut) and
 * the acknowledgement is not lost on the way back; otherwise every frame on a delayed link
 * was sent four times and a ping caught in the retries took hundreds of milliseconds. The
 * receiver's own acknowledgement still travels, late, and the sender, no longer waiting,
 * ignores it. Only data frames of the 2003/2006 versions are answered so (see {@link MacFrame}):
 * a data poll's acknowledgement says whether the parent holds a frame, which only it knows,
 * so on a delayed link a sleepy child's polls are retried as before.
 */
final class ThreadAir {

    /** A sender and a receiver, by their keys in the medium. */
    record Hop(String homeId, String from, String to) {}

    /** One Thread network (a petition) of a home: where MAC addresses mean one radio each. */
    private record Network(String homeId, String name) {}

    private final Map<String, LinkModel.Snapshot> conditions = new ConcurrentHashMap<>(); // by home
    private final HomeImpairments impairments = new HomeImpairments();
    private final Map<Hop, long[]> counts = new ConcurrentHashMap<>(); // delivered, dropped
    /** Data polls sent, by home and sender (the hop's {@code to} left empty). */
    private final Map<Hop, java.util.concurrent.atomic.LongAdder> polls = new ConcurrentHashMap<>();
    /** Each hop's last data frame: the same bytes again are a retransmission. */
    private final Map<Hop, byte[]> lastFrames = new ConcurrentHashMap<>();
    /** The radio each MAC address was last heard from, by home and Thread network. */
    private final Map<Network, Map<MacFrame.Address, String>> heard = new ConcurrentHashMap<>();

    void apply(String homeId, LinkModel.Snapshot snapshot) {
        conditions.put(homeId, snapshot);
    }

    /** A home whose last radio left: its conditions, draws and counts go. */
    void forget(String homeId) {
        conditions.remove(homeId);
        impairments.forget(homeId);
        counts.keySet().removeIf(h -> h.homeId().equals(homeId));
        polls.keySet().removeIf(h -> h.homeId().equals(homeId));
        lastFrames.keySet().removeIf(h -> h.homeId().equals(homeId));
        heard.keySet().removeIf(h -> h.homeId().equals(homeId));
    }

    /**
     * One frame sent in a home: what every receiver's decision shares, looked up once.
     *
     * @param answeredFor the radio the medium acknowledges this frame for, or null
     * @param ackFrame    that acknowledgement
     */
    record Transmission(String homeId, byte[] frame, boolean ack, LinkModel.Snapshot conditions,
            Impairment impairment, String answeredFor, byte[] ackFrame) {}

    /** A frame the radio {@code from} of {@code homeId}'s Thread {@code network} sent (channel byte first). */
    Transmission sent(String homeId, String network, String from, byte[] frame) {
        LinkModel.Snapshot snapshot = conditions.getOrDefault(homeId, LinkModel.Snapshot.EMPTY);
        MacFrame.Header h = MacFrame.parse(frame);
        if (h != null && h.command() == MacFrame.COMMAND_DATA_REQUEST) {
            polls.computeIfAbsent(new Hop(homeId, from, ""), k -> new java.util.concurrent.atomic.LongAdder()).increment();
        }
        String answeredFor = h == null || h.type() == MacFrame.TYPE_ACK ? null : answeredFor(homeId, network, from, h,
                snapshot);
        return new Transmission(homeId, frame, isAck(frame), snapshot, impairments.of(homeId, snapshot), answeredFor,
                answeredFor == null ? null : MacFrame.immediateAck(frame, h));
    }

    /** The radio a data frame asking for an acknowledgement is for, where the link between them is delayed. */
    private String answeredFor(String homeId, String network, String from, MacFrame.Header h,
            LinkModel.Snapshot snapshot) {
        Map<MacFrame.Address, String> known = heard.computeIfAbsent(new Network(homeId, network),
                k -> new ConcurrentHashMap<>());
        if (h.src() != null) {
            known.put(h.src(), from);
        }
        String to = h.type() == MacFrame.TYPE_DATA && h.ackRequested() && h.dst() != null ? known.get(h.dst()) : null;
        boolean delayed = to != null && !to.equals(from)
                && (delayed(snapshot.effective(from, to)) || delayed(snapshot.effective(to, from)));
        return delayed ? to : null;
    }

    /**
     * Whether the medium's acknowledgement of {@code t}, for {@code answeredFor} (whose frame
     * was to arrive), reaches its sender {@code from}: the link back may lose it or be cut.
     */
    boolean acknowledged(Transmission t, String from, long now) {
        Hop back = new Hop(t.homeId(), t.answeredFor(), from);
        boolean heardBack = t.impairment().dueAlone(t.conditions().effective(t.answeredFor(), from), now)
                != Impairment.DROPPED;
        counts.computeIfAbsent(back, h -> new long[2])[heardBack ? 0 : 1]++;
        return heardBack;
    }

    private static boolean delayed(LinkConditions c) {
        return c.latencyMs() > 0 || c.jitterMs() > 0;
    }

    /**
     * When {@code to} hears the frame {@code from} sent at {@code now}: {@link Impairment#DROPPED},
     * or its due time ({@code <= now}: at once); noted in {@code fate} when the home is recorded.
     */
    long decide(Transmission t, String from, String to, long now, FrameFate fate) {
        Hop hop = new Hop(t.homeId(), from, to);
        LinkConditions c = t.conditions().effective(from, to);
        long due = t.ack() ? t.impairment().dueAlone(c, now)
                : Arrays.equals(t.frame(), lastFrames.put(hop, t.frame())) ? t.impairment().dueBehind(hop, c, now)
                : t.impairment().due(hop, c, now);
        counts.computeIfAbsent(hop, h -> new long[2])[due == Impairment.DROPPED ? 1 : 0]++;
        if (fate != null) {
            fate.to(to, due == Impairment.DROPPED, c, due, now);
        }
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

    /** Data polls each radio of the home sent, by node id. */
    Map<String, Long> polls(String homeId) {
        Map<String, Long> out = new TreeMap<>();
        polls.forEach((h, n) -> {
            if (h.homeId().equals(homeId)) {
                out.put(h.from(), n.sum());
            }
        });
        return out;
    }

    /** The 802.15.4 frame type, after the channel byte the simulator puts first: 2 is an acknowledgement. */
    private static boolean isAck(byte[] frame) {
        return frame.length > 1 && (frame[1] & 0x07) == 2;
    }
}
