package dev.cirque.core.capability;

import dev.cirque.core.engine.ContainerPlan;
import java.util.Map;

/**
 * One capability of one node: what gives a node a radio or a host feature. An instance is
 * made per node by its {@link CapabilityProvider}, from the client's parameters, already
 * validated; it lives as long as the node.
 *
 * <p>The node's life, as a capability sees it:
 * <ol>
 *   <li>{@link #prepare} sets up on the host what the create config will name (a PTY, an
 *       X server's socket), registering the undo of each thing as soon as it exists;
 *   <li>{@link #contribute} adds to the container's create config; no side effects.
 *   <li>the container is created and started;
 *   <li>{@link #enable} acts on the host or in the node. Everything it creates is
 *       registered with {@link NodeContext#onTeardown} as soon as it exists, so the
 *       core can undo it whether the node later stops or a later step fails;
 *   <li>on stop (or rollback) the core runs the registered undo steps in reverse order,
 *       then removes the container.
 * </ol>
 */
public interface Capability {

    /** The contract name, e.g. {@code Interactive}. */
    String name();

    /** Acts on the host before the container is created; a failure rolls the node back. */
    default void prepare(PrepareContext node) throws Exception {}

    /** Adds what this capability needs to the container before it is created. */
    default void contribute(ContainerPlan plan) {}

    /**
     * Acts once the container runs. A failure here rolls the whole node back, undoing
     * what this and earlier capabilities registered.
     */
    default void enable(NodeContext node) throws Exception {}

    /**
     * Values for the device description's own fields (Cirque's {@code ssid}, {@code psk}),
     * by field name; most capabilities have none.
     */
    default Map<String, String> deviceFields() {
        return Map.of();
    }

    /** What this capability reports in the device's description (JSON-friendly values). */
    default Map<String, Object> describe() {
        return Map.of();
    }
}
