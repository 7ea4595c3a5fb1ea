package dev.cirque.capabilities;

import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code Weave}: the device's provisioning certificate file, bind-mounted read-only where
 * Weave looks for it, with IPv6 on and forwarding enabled in the node's network namespace.
 */
public final class WeaveCapability implements CapabilityProvider {

    public static final String NAME = "Weave";
    public static final String DEFAULT_TARGET = "/mnt/stateful_partition/nestlabs/device_provisioning.config";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("weave_capability").json(
                JsonKey.string("weave_config_file", "weave_certificate_path"),
                JsonKey.string("weave_config_target_path", "target_path"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        MountPolicy.Identity checked = host.mountPolicy().checkIdentity("Weave weave_certificate_path",
                request.string("weave_certificate_path", ""));
        Path certificate = checked.checked();
        String target = MountCapability.targetPath("Weave target_path", request.string("target_path", DEFAULT_TARGET));
        return new NamedCapability(NAME) {
            @Override
            public void contribute(ContainerPlan plan) {
                plan.bind(certificate.toString(), target, true)
                        .sysctl("net.ipv6.conf.all.disable_ipv6", "0")
                        .sysctl("net.ipv6.conf.all.forwarding", "1")
                        .sysctl("net.ipv4.ip_forward", "1");
            }

            @Override
            public void enable(NodeContext node) {
                MountPolicy.verifyMounted("Weave weave_certificate_path", node.pid(), target, checked);
            }

            @Override
            public Map<String, Object> describe() {
                return Map.of("certificate", certificate.toString(), "target_path", target);
            }
        };
    }
}
