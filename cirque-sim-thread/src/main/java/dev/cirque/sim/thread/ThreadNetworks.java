package dev.cirque.sim.thread;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Allocates the places of simulated Thread radios. OpenThread's simulator sends its frames
 * to a UDP multicast group on loopback at port {@code 9000 + PORT_OFFSET * 34} (its port
 * group) from port {@code group + NODE_ID}, and hears everything sent to the group. Each
 * radio gets a port group of its own, from an {@link OffsetPool} (the daemon's is shared by
 * every daemon on the host), so it hears nothing but what the {@link ThreadMedium} relays
 * to it; low enough that no port passes 65535. Node ids are per network (a home's
 * petition): 1..33, the simulator's build-time limit, lowest free first, since a receiver
 * learns the sender's id from the source port and each radio's EUI-64 comes from its id.
 */
public final class ThreadNetworks {

    public static final int MAX_NODES = 33;
    /** The simulator's multicast group, 224.0.0.116, which every port group's sockets join on loopback. */
    static final InetAddress GROUP = group();
    static final int BASE_PORT = 9000;
    static final int PORTS_PER_NETWORK = 34;
    /** The highest offset whose last node's port still fits in 16 bits. */
    public static final int MAX_OFFSET = (65535 - BASE_PORT - MAX_NODES) / PORTS_PER_NETWORK;

    /** A radio's place: its own port offset (group) and its id in its network. */
    public record Lease(String home, int petition, int portOffset, int nodeId) {}

    /** No id, or no offset, is left. */
    public static final class ExhaustedException extends RuntimeException {
        public ExhaustedException(String message) {
            super(message);
        }
    }

    /** Where port offsets come from: a network takes one and gives it back when its last node leaves. */
    public interface OffsetPool {
        /** An offset in {@code 0..MAX_OFFSET} nobody else holds; throws ExhaustedException when none is left. */
        int take(String network);

        void give(int offset);
    }

    private record Key(String home, int petition) {}

    private final OffsetPool offsets;
    /** The ids in use, per network. */
    private final Map<Key, BitSet> networks = new HashMap<>();

    public ThreadNetworks(OffsetPool offsets) {
        this.offsets = offsets;
    }

    /**
     * Offsets from this object alone, the lowest free from {@code firstOffset} (0 is
     * OpenThread's own default): enough for one process that is alone on its host.
     */
    public ThreadNetworks(int firstOffset) {
        this(inProcess(firstOffset));
    }

    private static OffsetPool inProcess(int firstOffset) {
        if (firstOffset < 0 || firstOffset > MAX_OFFSET) {
            throw new IllegalArgumentException("first port offset must be 0.." + MAX_OFFSET);
        }
        BitSet inUse = new BitSet();
        return new OffsetPool() {
            @Override
            public synchronized int take(String network) {
                int offset = inUse.nextClearBit(firstOffset);
                if (offset > MAX_OFFSET) {
                    throw new ExhaustedException("no Thread network left: port offsets " + firstOffset + ".."
                            + MAX_OFFSET + " are all in use");
                }
                inUse.set(offset);
                return offset;
            }

            @Override
            public synchronized void give(int offset) {
                inUse.clear(offset);
            }
        };
    }

    public synchronized Lease lease(String home, int petition) {
        Key key = new Key(home, petition);
        BitSet ids = networks.computeIfAbsent(key, k -> new BitSet());
        int id = ids.nextClearBit(1);
        if (id > MAX_NODES) {
            throw new ExhaustedException("Thread network " + describe(key) + " already has " + MAX_NODES
                    + " nodes, the simulator's limit; use another petition for more");
        }
        int offset;
        try {
            offset = offsets.take(describe(key) + " node " + id);
        } catch (ExhaustedException e) {
            if (ids.isEmpty()) {
                networks.remove(key);
            }
            throw e;
        }
        ids.set(id);
        return new Lease(home, petition, offset, id);
    }

    public synchronized void release(Lease lease) {
        Key key = new Key(lease.home(), lease.petition());
        BitSet ids = networks.get(key);
        if (ids == null || !ids.get(lease.nodeId())) {
            return;
        }
        ids.clear(lease.nodeId());
        offsets.give(lease.portOffset());
        if (ids.isEmpty()) {
            networks.remove(key);
        }
    }

    /** The first UDP port of a port group (the group's own port): {@code 9000 + 34 * offset}. */
    public static int basePort(int portOffset) {
        return BASE_PORT + PORTS_PER_NETWORK * portOffset;
    }

    private static InetAddress group() {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 224, 0, 0, 116});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible); // four bytes are an IPv4 address
        }
    }

    private static String describe(Key key) {
        return "(home " + key.home() + ", petition " + key.petition() + ")";
    }

    /** The network a radio belongs to, as the medium keys it. */
    public static String network(String home, int petition) {
        return home + "/" + petition;
    }

    /** A non-blocking socket that hears port group {@code group} on {@code loopback} (beside the radio's own). */
    static java.nio.channels.DatagramChannel listen(int group, java.net.NetworkInterface loopback)
            throws java.io.IOException {
        java.nio.channels.DatagramChannel rx = java.nio.channels.DatagramChannel.open(
                java.net.StandardProtocolFamily.INET);
        try {
            rx.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            rx.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
            rx.bind(new java.net.InetSocketAddress(GROUP, group));
            rx.join(GROUP, loopback);
            rx.configureBlocking(false);
        } catch (java.io.IOException | RuntimeException e) {
            rx.close();
            throw e;
        }
        return rx;
    }
}
