package dev.cirque.server.plugin;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.util.Map;

/**
 * A third party's capability, for {@code PluginJarTest}: it puts its {@code text} parameter
 * in the node's environment, and reads it from its own flat JSON key {@code echo_text} too. Deliberately not listed in the test suite's own services file:
 * the daemon finds it only through the jar the test builds.
 */
public final class EchoCapability implements CapabilityProvider {

    @Override
    public String name() {
        return "Echo";
    }

    /** Its own flat JSON key as well as {@code capability_params.Echo.text}: a plugin may name keys too. */
    @Override
    public WireForm wire() {
        return WireForm.plugin().json(JsonKey.string("echo_text", "text"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        String text = request.string("text", "");
        if (text.isEmpty()) {
            throw CirqueException.invalid("Echo needs a text");
        }
        return new Capability() {
            @Override
            public String name() {
                return "Echo";
            }

            @Override
            public void contribute(ContainerPlan plan) {
                plan.env("ECHO_TEXT", text);
            }

            @Override
            public Map<String, Object> describe() {
                return Map.of("text", text);
            }
        };
    }
}
