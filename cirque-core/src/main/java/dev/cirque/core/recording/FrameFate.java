package dev.cirque.core.recording;

import dev.cirque.core.link.LinkConditions;
import java.time.Instant;

/**
 * What a medium did with one frame, receiver by receiver, as the frame's comment in the home's
 * recording: {@code from 1a2b3c4d: 5e6f7a8b delivered; 9c0d1e2f +40 ms; 3a4b5c6d lost; 7e8f9a0b cut}
 * (nodes by the first 8 characters of their ids; {@code topology.json} has them whole).
 * Made only for a recorded home, on the medium's thread.
 */
public final class FrameFate {

    private final FrameRing ring;
    private final int iface;
    private final long epochNanos = epochNanosNow();
    private final StringBuilder fate;
    private int receivers;

    private FrameFate(FrameRing ring, int iface, String sender) {
        this.ring = ring;
        this.iface = iface;
        this.fate = new StringBuilder(64).append("from ").append(shortId(sender)).append(':');
    }

    /**
     * A frame {@code sender} sent on the home's medium {@code medium} (one interface of the
     * recording, of {@code linkType}), or null when the home is not recorded.
     */
    public static FrameFate of(FrameTap tap, String homeId, String medium, int linkType, String sender) {
        FrameRing ring = tap.ring(homeId);
        if (ring == null) {
            return null;
        }
        return new FrameFate(ring, ring.iface(medium, linkType, "the home's " + medium + " medium, as cirque"
                + " relayed it (each frame's comment: what became of it, receiver by receiver)"), sender);
    }

    /**
     * What became of the frame for {@code receiver}: {@code dueNanos} as a medium decides it on
     * the {@link System#nanoTime} clock of {@code nowNanos}, or {@code dropped} under {@code link}.
     */
    public void to(String receiver, boolean dropped, LinkConditions link, long dueNanos, long nowNanos) {
        fate.append(receivers++ == 0 ? " " : "; ").append(shortId(receiver));
        if (dropped) {
            fate.append(link.up() ? " lost" : " cut");
        } else if (dueNanos <= nowNanos) {
            fate.append(" delivered");
        } else {
            fate.append(" +").append((dueNanos - nowNanos + 500_000) / 1_000_000).append(" ms");
        }
    }

    /** Keeps the frame ({@code length} bytes from {@code offset}) with its fate. */
    public void record(byte[] frame, int offset, int length) {
        if (receivers == 0) {
            fate.append(" nobody to hear it");
        }
        ring.record(iface, epochNanos, frame, offset, length, fate.toString());
    }

    /** Keeps a frame the medium made itself (an acknowledgement it answers for a delayed receiver). */
    public void recordMade(byte[] frame, int offset, int length, String what) {
        ring.record(iface, epochNanosNow(), frame, offset, length, what);
    }

    static String shortId(String nodeId) {
        return nodeId.length() > 8 ? nodeId.substring(0, 8) : nodeId;
    }

    private static long epochNanosNow() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
