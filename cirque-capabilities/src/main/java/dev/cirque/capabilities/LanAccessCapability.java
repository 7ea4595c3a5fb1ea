package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.engine.NodeHost;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code LanAccess}: the node's place relative to the host's LAN.
 * <ul>
 *   <li>Without it, a node reaches out (through NAT) but nothing on the host's LAN can open a
 *       connection to it: Docker drops those in FORWARD.
 *   <li>With it, the node is reachable from the host's LAN too: ACCEPT rules for its address
 *       in Docker's {@code DOCKER-USER} chain, for traffic that does not come from a Docker
 *       bridge, so other homes stay shut out. The rules carry the comment
 *       {@code cirque:<home>:<node>} and are deleted when the node stops.
 *   <li>With {@code internal_lan}, instead, the node joins its home's internal network: it
 *       reaches that network's nodes and nothing else (no route out).
 * </ul>
 */
public final class LanAccessCapability implements CapabilityProvider {

    public static final String NAME = "LanAccess";
    static final String CHAIN = "DOCKER-USER";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("lan_access_capability").json(JsonKey.bool("internal_lan", "internal_lan"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        boolean internal = request.bool("internal_lan", false);
        return new NamedCapability(NAME) {
            @Override
            public void contribute(ContainerPlan plan) {
                if (internal) {
                    plan.network(NetworkKind.INTERNAL);
                }
            }

            @Override
            public void enable(NodeContext node) {
                if (!internal) {
                    openToHostLan(node);
                }
            }

            @Override
            public Map<String, Object> describe() {
                return Map.of("internal_lan", internal, "reachable_from_host_lan", !internal);
            }
        };
    }

    private static void openToHostLan(NodeContext node) {
        NodeHost host = node.host();
        if (!host.firewall(List.of("-n", "-L", CHAIN)).succeeded()) {
            throw CirqueException.precondition("LanAccess needs Docker's " + CHAIN + " iptables chain, which is"
                    + " missing: is dockerd managing iptables (its --iptables option)?");
        }
        String comment = "cirque:" + node.homeId() + ":" + node.nodeId();
        // Inserted at the top in this order, they end up as: RETURN for the default bridge,
        // then ACCEPT from anything that is not a Docker bridge.
        List<List<String>> rules = List.of(
                List.of("-d", node.ipv4(), "!", "-i", "br-+", "-m", "comment", "--comment", comment, "-j", "ACCEPT"),
                List.of("-d", node.ipv4(), "-i", "docker0", "-m", "comment", "--comment", comment, "-j", "RETURN"));
        for (List<String> rule : rules) {
            ExecResult added = host.firewall(concat(List.of("-I", CHAIN), rule));
            if (!added.succeeded()) {
                throw CirqueException.precondition("LanAccess: iptables refused a rule: " + added.output().strip());
            }
            node.onTeardown("delete iptables rule " + String.join(" ", rule), () -> {
                ExecResult deleted = host.firewall(concat(List.of("-D", CHAIN), rule));
                if (!deleted.succeeded()) {
                    throw new IllegalStateException(deleted.output().strip());
                }
            });
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
