package dev.cirque.sim.thread;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Allocates simulated Thread networks and node ids. A network is one UDP port range on
 * loopback: the simulator listens on {@code 9000 + PORT_OFFSET * 34 + NODE_ID}, so a
 * network is a port offset, and its nodes take ids 1..33 (the simulator's build-time
 * limit). Each (home, petition) gets an offset from an {@link OffsetPool} (the daemon's is
 * shared by every daemon on the host, so none shares a port group), low enough that no port
 * passes 65535; ids are the lowest free and come back when a node leaves; an offset goes
 * back to the pool when its network's last node leaves.
 */
public final class ThreadNetworks {

    public static final int MAX_NODES = 33;
    static final int BASE_PORT = 9000;
    static final int PORTS_PER_NETWORK = 34;
    /** The highest offset whose last node's port still fits in 16 bits. */
    public static final int MAX_OFFSET = (65535 - BASE_PORT - MAX_NODES) / PORTS_PER_NETWORK;

    /** A node's place: its network's port offset and its id in it. */
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
    private final Map<Key, Network> networks = new HashMap<>();

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
        Network net = networks.get(key);
        if (net == null) {
            net = new Network(offsets.take(describe(key)));
            networks.put(key, net);
        }
        int id = net.ids.nextClearBit(1);
        if (id > MAX_NODES) {
            throw new ExhaustedException("Thread network " + describe(key) + " already has " + MAX_NODES
                    + " nodes, the simulator's limit; use another petition for more");
        }
        net.ids.set(id);
        return new Lease(home, petition, net.offset, id);
    }

    public synchronized void release(Lease lease) {
        Key key = new Key(lease.home(), lease.petition());
        Network net = networks.get(key);
        if (net == null || net.offset != lease.portOffset()) {
            return;
        }
        net.ids.clear(lease.nodeId());
        if (net.ids.isEmpty()) {
            networks.remove(key);
            offsets.give(net.offset);
        }
    }

    /** The first UDP port of a network: {@code 9000 + 34 * offset}. */
    public static int basePort(int portOffset) {
        return BASE_PORT + PORTS_PER_NETWORK * portOffset;
    }

    private static String describe(Key key) {
        return "(home " + key.home() + ", petition " + key.petition() + ")";
    }

    private static final class Network {
        final int offset;
        final BitSet ids = new BitSet();

        Network(int offset) {
            this.offset = offset;
        }
    }
}
