package dev.cirque.core.home;

import dev.cirque.core.capability.Capability;
import dev.cirque.core.engine.NetworkAddresses;
import dev.cirque.core.spec.NodeSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A running node: a container and what its capabilities set up around it. Immutable but
 * for its teardown; everything a query needs was captured when it came up, so listing
 * and querying never go back to the engine.
 */
public final class Node {

    private final String id;
    private final String homeId;
    private final String name;
    private final NodeSpec spec;
    private final String containerId;
    private final NetworkAddresses addresses;
    private final HomeNetwork network;
    private final List<Capability> capabilities;
    private final Instant createdAt;
    private final Map<Object, Object> views = new ConcurrentHashMap<>();
    final Teardown teardown;

    Node(String id, String homeId, String name, NodeSpec spec, String containerId, HomeNetwork network,
            NetworkAddresses addresses, List<Capability> capabilities, Teardown teardown) {
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

    public Instant createdAt() {
        return createdAt;
    }

    /** Whether any capability was applied (only those have descriptions that change). */
    public boolean hasCapabilities() {
        return !capabilities.isEmpty();
    }

    /**
     * A front's rendering of this node, made on first use and kept: what it renders (spec,
     * names, addresses) never changes once the node is up. Capability descriptions can
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
