package dev.cirque.client;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.GetThreadTopologyRequest;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ThreadTopology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** A running home: its nodes by key, its links, its Thread mesh. Closing it stops it. */
public final class Home implements AutoCloseable {

    private final CirqueClient client;
    private final String id;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private boolean stopped;

    Home(CirqueClient client, String id, Map<String, CirqueDevice> devices) {
        this.client = client;
        this.id = id;
        devices.forEach((key, device) -> nodes.put(key, new Node(client, id, key, device)));
    }

    public String id() {
        return id;
    }

    /** The node created under {@code key} (the topology's key; a device id for an attached home). */
    public Node node(String key) {
        Node n = nodes.get(key);
        if (n == null) {
            throw new NoSuchElementException("home " + id + " has no node '" + key + "'; it has " + nodes.keySet());
        }
        return n;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    /** The link between two nodes, on {@code medium} ("ip", "thread"), to set conditions on. */
    public Link link(Node from, Node to, String medium) {
        return new Link(client, id, medium, from, to);
    }

    /** The IP link from {@code from} to {@code to}. */
    public Link link(Node from, Node to) {
        return link(from, to, "ip");
    }

    /** Cuts {@code members} off from the rest of the home on {@code medium}, both ways, until healed. */
    public LinkState partition(String name, String medium, Node... members) {
        PartitionRequest.Builder r = PartitionRequest.newBuilder().setHomeId(id).setMedium(medium).setName(name);
        Arrays.stream(members).forEach(n -> r.addDeviceIds(n.id()));
        return Calls.call(() -> client.stub().partitionHome(r.build()));
    }

    /** Ends every partition and every link's own conditions on {@code medium}. */
    public LinkState heal(String medium) {
        return Calls.call(() -> client.stub().healHome(HealRequest.newBuilder().setHomeId(id).setMedium(medium).build()));
    }

    /**
     * Seeds the drop and delay draws of every medium of the home: the same frames then meet
     * the same losses and delays, run after run; null goes back to fresh randomness.
     */
    public LinkState seedLinks(Long seed) {
        dev.cirque.proto.SeedLinksRequest.Builder r = dev.cirque.proto.SeedLinksRequest.newBuilder().setHomeId(id);
        if (seed != null) {
            r.setSeed(seed);
        }
        return Calls.call(() -> client.stub().seedLinks(r.build()));
    }

    /** One of the home's media by name: what it knows of the home, its capture. */
    public Medium medium(String name) {
        return new Medium(client, id, name);
    }

    /** The home's flight recording: every frame, event and log since its creation (after its stop too). */
    public Recording recording() {
        return client.recording(id);
    }

    /** Where its nodes are, its walls, and the radio links the propagation model made, with why. */
    public dev.cirque.proto.SpaceState space() {
        return Calls.call(() -> client.stub().getSpace(dev.cirque.proto.GetSpaceRequest.newBuilder().setHomeId(id)
                .build()));
    }

    /** Every Thread node's role, RLOC16 and neighbours now. */
    public ThreadTopology threadTopology() {
        return Calls.call(() -> client.stub().getThreadTopology(GetThreadTopologyRequest.newBuilder().setHomeId(id)
                .build()));
    }

    /**
     * The home's WiFi where the daemon is hwsim's medium: access points, stations and what each
     * is associated to with the signal it hears, the frames each link passed and lost.
     */
    public dev.cirque.proto.WifiTopology wifiTopology() {
        return Calls.call(() -> client.stub().getWifiTopology(dev.cirque.proto.GetWifiTopologyRequest.newBuilder()
                .setHomeId(id).build()));
    }

    /**
     * The home's events from now on (node created or removed, commands, link changes, last its
     * stop), as they happen; the iterator ends with the home. Close the watch to end it sooner.
     */
    public Watch watch() {
        io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
        java.util.Iterator<dev.cirque.proto.HomeEvent> events;
        io.grpc.Context previous = context.attach(); // the call is the context's: closing the watch cancels it
        try {
            events = client.stub().withDeadline(null).watchHome(dev.cirque.proto.WatchHomeRequest.newBuilder()
                    .setHomeId(id).build());
        } finally {
            context.detach(previous);
        }
        Calls.call(events::next); // WATCHING: from here on nothing is missed
        return new Watch(events, context);
    }

    /** A home's events, in order, until the home stops or this is closed. */
    public static final class Watch implements java.util.Iterator<dev.cirque.proto.HomeEvent>, AutoCloseable {
        private final java.util.Iterator<dev.cirque.proto.HomeEvent> events;
        private final io.grpc.Context.CancellableContext context;

        Watch(java.util.Iterator<dev.cirque.proto.HomeEvent> events, io.grpc.Context.CancellableContext context) {
            this.events = events;
            this.context = context;
        }

        @Override
        public boolean hasNext() {
            return Calls.call(events::hasNext);
        }

        @Override
        public dev.cirque.proto.HomeEvent next() {
            return Calls.call(events::next);
        }

        @Override
        public void close() {
            context.cancel(null);
        }
    }

    /** The last {@code lines} log lines of every node, each under a header naming it (for reports). */
    public String logs(int lines) {
        List<String> parts = new ArrayList<>();
        for (Node n : nodes.values()) {
            String log;
            try {
                log = n.logs(lines);
            } catch (CirqueException e) {
                log = "(no log: " + e.getMessage() + ")";
            }
            parts.add("----- " + n.key() + " (" + n.name() + ") -----\n" + log);
        }
        return String.join("\n", parts);
    }

    /** Stops the home and removes everything it had; stopping it twice is not an error. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            Calls.call(() -> client.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(id).build()));
        } catch (CirqueException e) {
            if (e.code() != io.grpc.Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return "Home[" + id + ", nodes " + nodes.keySet() + "]";
    }
}
