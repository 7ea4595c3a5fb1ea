package dev.cirque.capabilities;

import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.util.Map;

/**
 * {@code Interactive}: the node's main process gets a TTY and an open stdin, so
 * {@code docker attach} and {@code docker exec -it} into the node behave like a console.
 */
public final class InteractiveCapability implements CapabilityProvider {

    public static final String NAME = "Interactive";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("interactive_capability");
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        return new NamedCapability(NAME) {
            @Override
            public void contribute(ContainerPlan plan) {
                plan.tty(true).stdinOpen(true);
            }

            @Override
            public Map<String, Object> describe() {
                return Map.of("tty", true, "stdin_open", true);
            }
        };
    }
}
