package dev.cirque.core.home;

import dev.cirque.core.CirqueException;

import dev.cirque.core.capability.Capability;
import dev.cirque.core.engine.NetworkAddresses;
import dev.cirque.core.spec.NodeSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A node: a container and what its capabilities set up around it. Everything a query needs
 * was captured when it last came up, so listing and querying never go back to the engine.
 * What it set up is kept in two teardowns: what lives as long as the node ({@link #teardown}:
 * its container, what capabilities prepared on the host) and what lives while its container
 * runs ({@link #running}: its place on the media, what capabilities enabled in it), which a
 * power-off undoes and a power-on sets up again.
 */
public final class Node {

    /** Whether the node's container runs, and if not, why. */
    public enum State {
        RUNNING,
        /** Stopped by a client (power off), kept to be powered on again. */
        POWERED_OFF,
        /** Its main process ended on its own (or was killed from outside the daemon). */
        EXITED;

        /** As the wire says it: {@code running}, {@code powered_off}, {@code exited}. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String id;
    private final String homeId;
    private final String name;
    private final NodeSpec spec;
    private final String containerId;
    private volatile NetworkAddresses addresses;
    private volatile State state = State.RUNNING;
    private volatile int exitCode;
    /**
     * When the container's current run was asked for: a death the engine saw before it is an
     * older run's. The first run has none older (the container is new), and may die before the
     * node exists: every death counts until a power-on.
     */
    private volatile Instant runAskedAt = Instant.EPOCH;
    /** Held while the node is powered off or on, and while it is taken apart. */
    private final Object power = new Object();
    private final HomeNetwork network;
    private final List<Capability> capabilities;
    private final Instant createdAt;
    /** Replaced, not cleared, on a change: a rendering under way of the old state lands in the old map. */
    private volatile Map<Object, Object> views = new ConcurrentHashMap<>();
    final Teardown teardown;
    /** Its clients' commands and the daemon's own questions to one-session tools, in turns. */
    private final CommandTurns turns = new CommandTurns();
    /** What was set up for the container's current run; replaced at each power-on. */
    final AtomicReference<Teardown> running;

    Node(String id, String homeId, String name, NodeSpec spec, String containerId, HomeNetwork network,
            NetworkAddresses addresses, List<Capability> capabilities, Teardown teardown,
            AtomicReference<Teardown> running) {
        this.running = running;
        this.network = network;
        this.id = id;
        this.homeId = homeId;
        this.name = name;
        this.spec = spec;
        this.containerId = containerId;
        this.addresses = addresses;
        this.capabilities = List.copyOf(capabilities);
        this.teardown = teardown;
        this.createdAt = Instant.now();
    }

    public String id() {
        return id;
    }

    public String homeId() {
        return homeId;
    }

    /** The container's name: usable with {@code docker exec}, {@code docker logs}. */
    public String name() {
        return name;
    }

    public NodeSpec spec() {
        return spec;
    }

    public String containerId() {
        return containerId;
    }

    public String ipv4() {
        return addresses.ipv4();
    }

    /** Empty when the node's network has no IPv6. */
    public String ipv6() {
        return addresses.ipv6();
    }

    /** The home network the node is on. */
    public HomeNetwork network() {
        return network;
    }

    public State state() {
        return state;
    }

    /** This node if it runs, or FAILED_PRECONDITION saying why it does not. */
    Node requireRunning() {
        switch (state) {
            case POWERED_OFF -> throw CirqueException.precondition("device " + id + " is powered off; power it on first");
            case EXITED -> throw CirqueException.precondition("device " + id + " exited (code " + exitCode
                    + "); power it on to start it again");
            default -> {
                return this;
            }
        }
    }

    /** Runs {@code change} while no other power change or teardown of this node runs. */
    <T> T underPower(java.util.function.Supplier<T> change) {
        synchronized (power) {
            return change.get();
        }
    }

    /** A client's command: it runs beside other clients' and after a question of the daemon's under way. */
    <T> T clientCommand(java.util.function.Supplier<T> run) {
        turns.clientStarts();
        try {
            return run.get();
        } finally {
            turns.clientEnded();
        }
    }

    /**
     * The daemon's own questions, run alone once no client's command runs; false when clients'
     * commands still ran after {@code patience} (nothing was asked).
     */
    boolean daemonQuestions(java.time.Duration patience, Runnable questions) throws InterruptedException {
        if (!turns.daemonAsks(patience)) {
            return false;
        }
        try {
            questions.run();
            return true;
        } finally {
            turns.daemonDone();
        }
    }

    Instant runAskedAt() {
        return runAskedAt;
    }

    void runAsked() {
        runAskedAt = Instant.now();
    }

    /** The exit code of its container's last run; meaningful when not running. */
    public int exitCode() {
        return exitCode;
    }

    /** Records a new state (and addresses after a start), dropping renderings made of the old ones. */
    void changed(State newState, int code, NetworkAddresses newAddresses) {
        this.addresses = newAddresses == null ? addresses : newAddresses;
        this.exitCode = code;
        this.state = newState;
        views = new ConcurrentHashMap<>();
    }

    /** The capabilities applied, for a power-on to enable them again. */
    List<Capability> capabilities() {
        return capabilities;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** Whether any capability was applied (only those have descriptions that change). */
    public boolean hasCapabilities() {
        return !capabilities.isEmpty();
    }

    /**
     * A front's rendering of this node, made on first use and kept until its state changes
     * (spec, names, addresses, state). Capability descriptions can
     * (a radio that exits), so renderings must not include them.
     */
    @SuppressWarnings("unchecked")
    public <T> T view(Object key, Function<Node, T> render) {
        return (T) views.computeIfAbsent(key, k -> render.apply(this));
    }

    /** Values for the device description's own fields (e.g. an access point's ssid and psk). */
    public Map<String, String> deviceFields() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Capability c : capabilities) {
            out.putAll(c.deviceFields());
        }
        return out;
    }

    /** Each capability's own description, by capability name. */
    public Map<String, Map<String, Object>> capabilityDescriptions() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Capability c : capabilities) {
            out.put(c.name(), c.describe());
        }
        return out;
    }

    @Override
    public String toString() {
        return "node " + id + " (" + name + ")";
    }
}
