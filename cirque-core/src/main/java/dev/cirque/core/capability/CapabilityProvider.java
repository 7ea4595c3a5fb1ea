package dev.cirque.core.capability;

import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.util.List;

/**
 * The plugin entry point: one implementation per capability, listed in
 * {@code META-INF/services/dev.cirque.core.capability.CapabilityProvider}. A third party
 * adds a capability by putting a jar with such a file on the daemon's class path.
 */
public interface CapabilityProvider {

    /** The contract name clients use, e.g. {@code Mount}. Unique among providers. */
    String name();

    /**
     * Makes the capability for one node. Checks the parameters and throws
     * {@link dev.cirque.core.CirqueException} (INVALID_ARGUMENT for bad values,
     * FAILED_PRECONDITION when this host cannot provide it) before anything exists.
     * Must have no side effects: it is also called to check a topology before creation.
     */
    Capability create(CapabilityRequest request, NodeSpec node, HostSettings host);

    /**
     * How clients ask for it on each front: its proto field, its JSON keys, the device types
     * that imply it. A plugin keeps the default: {@code extra_capabilities} over gRPC,
     * {@code capability_params.<name>} in JSON, unless it names JSON keys of its own.
     */
    default WireForm wire() {
        return WireForm.plugin();
    }

    /**
     * The media this capability's radios travel over, if the daemon carries them (Thread's
     * relay): link conditions on them are set through the link API, like IP's. The home
     * service closes them when it closes.
     */
    default List<LinkMedium> media() {
        return List.of();
    }
}
