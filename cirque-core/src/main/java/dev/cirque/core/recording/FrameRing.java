package dev.cirque.core.recording;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frames of one home's media as they were seen, up to a number of bytes: when a new frame
 * does not fit, the oldest go, and how many went is counted, never hidden. Interfaces (a
 * network, a medium) are declared once and kept whatever the ring drops. Writes a pcapng
 * file of what it holds, frames in time order. Safe to use from several threads.
 */
public final class FrameRing {

    /** A frame as kept: its time and its pcapng block. */
    private record Kept(long epochNanos, byte[] block) {}

    /** What was let go to make room: frames and their bytes. */
    public record Dropped(long frames, long bytes) {}

    private final long capacityBytes;
    private final Map<String, Integer> interfaces = new LinkedHashMap<>();
    private final List<byte[]> descriptions = new ArrayList<>();
    private final ArrayDeque<Kept> frames = new ArrayDeque<>();
    private long heldBytes;
    private long droppedFrames;
    private long droppedBytes;

    /** @param capacityBytes at most this many bytes of frames are kept (0: none) */
    public FrameRing(long capacityBytes) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("a ring's capacity is 0 or more bytes, got " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    /** The interface of that name, declared on first use with its link type and description. */
    public synchronized int iface(String name, int linkType, String description) {
        Integer known = interfaces.get(name);
        if (known != null) {
            return known;
        }
        interfaces.put(name, descriptions.size());
        descriptions.add(Pcapng.interfaceDescription(linkType, name, description));
        return descriptions.size() - 1;
    }

    /** Keeps a frame seen on {@code iface} at {@code epochNanos}, with what became of it ({@code fate}, or null). */
    public void record(int iface, long epochNanos, byte[] frame, int offset, int length, String fate) {
        byte[] block = Pcapng.enhancedPacket(iface, epochNanos, frame, offset, length, fate);
        synchronized (this) {
            if (block.length > capacityBytes) {
                droppedFrames++;
                droppedBytes += block.length;
                return;
            }
            while (heldBytes + block.length > capacityBytes) {
                Kept oldest = frames.removeFirst();
                heldBytes -= oldest.block().length;
                droppedFrames++;
                droppedBytes += oldest.block().length;
            }
            frames.addLast(new Kept(epochNanos, block));
            heldBytes += block.length;
        }
    }

    /** What was let go since the ring began. */
    public synchronized Dropped dropped() {
        return new Dropped(droppedFrames, droppedBytes);
    }

    /** Frames held now. */
    public synchronized int size() {
        return frames.size();
    }

    /**
     * A pcapng file of every interface and the frames held, in time order (media record from
     * their own threads: a frame may come in a little after one seen later).
     */
    public void writeTo(OutputStream out, String application) throws IOException {
        List<byte[]> ifaces;
        List<Kept> held;
        synchronized (this) {
            ifaces = List.copyOf(descriptions);
            held = new ArrayList<>(frames);
        }
        held.sort(Comparator.comparingLong(Kept::epochNanos)); // stable: equal times keep their order
        out.write(Pcapng.sectionHeader(application));
        for (byte[] d : ifaces) {
            out.write(d);
        }
        for (Kept k : held) {
            out.write(k.block());
        }
        out.flush();
    }
}
