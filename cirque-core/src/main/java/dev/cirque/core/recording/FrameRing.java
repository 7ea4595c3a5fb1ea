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

    /** Bytes shared by several rings (the daemon's total across homes). */
    public interface Pool {
        /** For a pool of no limit. */
        Pool UNLIMITED = new Pool() {
            @Override
            public boolean take(long bytes) {
                return true;
            }

            @Override
            public void give(long bytes) {}
        };

        /** Takes {@code bytes} if the pool has them (making room where it can); false when it has not. */
        boolean take(long bytes);

        /** Gives back bytes taken. */
        void give(long bytes);
    }

    private final long capacityBytes;
    private final Pool pool;
    private final Map<String, Integer> interfaces = new LinkedHashMap<>();
    private final List<byte[]> descriptions = new ArrayList<>();
    private final ArrayDeque<Kept> frames = new ArrayDeque<>();
    private long heldBytes;
    private long droppedFrames;
    private long droppedBytes;

    /** @param capacityBytes at most this many bytes of frames are kept (0: none) */
    public FrameRing(long capacityBytes) {
        this(capacityBytes, Pool.UNLIMITED);
    }

    /**
     * A ring whose frames are also taken from {@code pool}: where the pool has no room, the
     * ring lets its own oldest frames go, and a frame it still has no room for is let go too.
     */
    public FrameRing(long capacityBytes, Pool pool) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("a ring's capacity is 0 or more bytes, got " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.pool = pool;
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
                letOldestGo();
            }
            while (!pool.take(block.length)) {
                if (frames.isEmpty()) {
                    droppedFrames++;
                    droppedBytes += block.length;
                    return;
                }
                letOldestGo();
            }
            frames.addLast(new Kept(epochNanos, block));
            heldBytes += block.length;
        }
    }

    private void letOldestGo() {
        Kept oldest = frames.removeFirst();
        heldBytes -= oldest.block().length;
        pool.give(oldest.block().length);
        droppedFrames++;
        droppedBytes += oldest.block().length;
    }

    /** Lets every frame go, giving their bytes back to the pool (the recording itself is let go). */
    public synchronized void release() {
        pool.give(heldBytes);
        frames.clear();
        heldBytes = 0;
    }

    /** The interfaces declared, in their file order. */
    public synchronized List<String> interfaceNames() {
        return List.copyOf(interfaces.keySet());
    }

    /** Bytes of frames held now. */
    public synchronized long heldBytes() {
        return heldBytes;
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
