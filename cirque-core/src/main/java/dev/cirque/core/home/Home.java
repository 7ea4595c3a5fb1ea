package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A home: its network and its nodes, in the order they were created. Creations in flight
 * are counted so that a home being stopped waits for them rather than leaving a container
 * it never saw attached to a network it is removing.
 */
public final class Home {

    private final String id;
    private final String networkName;
    private final String networkId;
    private final Instant createdAt = Instant.now();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private int creating;
    private boolean closed;

    Home(String id, String networkName, String networkId) {
        this.id = id;
        this.networkName = networkName;
        this.networkId = networkId;
    }

    public String id() {
        return id;
    }

    public String networkName() {
        return networkName;
    }

    String networkId() {
        return networkId;
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

    /** Announces a node creation; refused once the home is being stopped. */
    synchronized void beginCreate() {
        if (closed) {
            throw CirqueException.notFound("home " + id + " is being stopped");
        }
        creating++;
    }

    /** Ends a creation; the node joins the home unless the home was stopped meanwhile. */
    synchronized boolean commit(Node node) {
        creating--;
        notifyAll();
        if (closed) {
            return false;
        }
        nodes.put(node.id(), node);
        return true;
    }

    synchronized void abortCreate() {
        creating--;
        notifyAll();
    }

    synchronized Optional<Node> remove(String nodeId) {
        return Optional.ofNullable(nodes.remove(nodeId));
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
        return all;
    }

    @Override
    public String toString() {
        return "home " + id;
    }
}
