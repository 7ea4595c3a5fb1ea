package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.spec.NetworkKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A home: its network and its nodes, in the order they were created. Creations in flight
 * are counted so that a home being stopped waits for them rather than leaving a container
 * it never saw attached to a network it is removing.
 */
public final class Home {

    private final String id;
    private final Instant createdAt = Instant.now();
    /** The LAN from the start; the others once a node first asks for them. */
    private final Map<NetworkKind, HomeNetwork> networks = new EnumMap<>(NetworkKind.class);
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    /** Link conditions by medium ({@code ip}, ...), made on first use. */
    private final Map<String, LinkModel> links = new ConcurrentHashMap<>();
    private int creating;
    private boolean closed;
    /** Counts changes to the node set and its nodes' states: a view rendered at an older count is rendered again. */
    private long nodesVersion;
    private final Map<Object, View> views = new ConcurrentHashMap<>();

    private record View(long version, Object value) {}

    Home(String id, HomeNetwork lan) {
        this.id = id;
        networks.put(NetworkKind.LAN, lan);
    }

    public String id() {
        return id;
    }

    /** The home's LAN's name. */
    public String networkName() {
        return network(NetworkKind.LAN).orElseThrow().name();
    }

    public synchronized Optional<HomeNetwork> network(NetworkKind kind) {
        return Optional.ofNullable(networks.get(kind));
    }

    synchronized void addNetwork(HomeNetwork network) {
        networks.put(network.kind(), network);
    }

    /** Every network, the LAN last: the order to remove them in. */
    synchronized List<HomeNetwork> networksForRemoval() {
        List<HomeNetwork> all = new ArrayList<>(networks.values());
        all.sort((a, b) -> Boolean.compare(a.kind() == NetworkKind.LAN, b.kind() == NetworkKind.LAN));
        return all;
    }

    /** Held while a network of the home is made: never the home's own monitor, which reads take. */
    private final Object networkLock = new Object();

    Object networkLock() {
        return networkLock;
    }

    /** Where the home's nodes are, its walls and propagation model (guarded by its own monitor). */
    private final dev.cirque.core.space.SpaceModel space = new dev.cirque.core.space.SpaceModel();

    dev.cirque.core.space.SpaceModel space() {
        return space;
    }

    /** The home's link conditions on {@code medium}. */
    public LinkModel links(String medium) {
        return links.computeIfAbsent(medium, m -> new LinkModel());
    }

    public Instant createdAt() {
        return createdAt;
    }

    public synchronized List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    public synchronized Optional<Node> node(String nodeId) {
        return Optional.ofNullable(nodes.get(nodeId));
    }

    /** Announces a node creation; refused once the home is being stopped or is full. */
    synchronized void beginCreate(int maxNodes) {
        if (closed) {
            throw CirqueException.notFound("home " + id + " is being stopped");
        }
        if (nodes.size() + creating >= maxNodes) {
            throw new CirqueException(CirqueException.Kind.RESOURCE_EXHAUSTED, "home " + id + " already has "
                    + (nodes.size() + creating) + " devices, the limit (--max-nodes-per-home)");
        }
        creating++;
    }

    /**
     * Ends a creation: the node joins the home. If the home was stopped meanwhile, returns
     * false and the creation still counts: the caller undoes the node, then calls
     * {@link #abortCreate}, so the home's teardown does not remove its networks under it.
     */
    synchronized boolean commit(Node node) {
        if (closed) {
            return false;
        }
        creating--;
        notifyAll();
        nodes.put(node.id(), node);
        nodesVersion++;
        return true;
    }

    /** No node joins from now on (creations under way are undone by their own threads). */
    synchronized void close() {
        closed = true;
    }

    synchronized void abortCreate() {
        creating--;
        notifyAll();
    }

    synchronized Optional<Node> remove(String nodeId) {
        Node removed = nodes.remove(nodeId);
        if (removed != null) {
            nodesVersion++;
        }
        return Optional.ofNullable(removed);
    }

    /** A node's state or addresses changed: renderings of the node set are made again. */
    synchronized void nodeChanged() {
        nodesVersion++;
    }

    /**
     * A front's rendering of this home's nodes (a list answer), kept until the node set changes:
     * {@code render} must depend on nothing else. Rendered again, not waited for, when two
     * callers race; a rendering that saw a newer node set than its label says is only redone.
     */
    @SuppressWarnings("unchecked")
    public <T> T view(Object key, Function<List<Node>, T> render) {
        View cached = views.get(key);
        long version;
        List<Node> current;
        synchronized (this) {
            version = nodesVersion;
            if (cached != null && cached.version() == version) {
                return (T) cached.value();
            }
            current = List.copyOf(nodes.values());
        }
        T fresh = render.apply(current);
        views.put(key, new View(version, fresh));
        return fresh;
    }

    /**
     * Closes the home to new nodes, waits (bounded) for creations in flight to end, and
     * hands over every node for teardown.
     */
    synchronized List<Node> closeAndDrain(Duration maxWait) throws InterruptedException {
        closed = true;
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (creating > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        List<Node> all = new ArrayList<>(nodes.values());
        nodes.clear();
        nodesVersion++;
        return all;
    }

    @Override
    public String toString() {
        return "home " + id;
    }
}
