package dev.cirque.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TrafficControl's parameters, what it asks of the container, and how it describes itself: pure logic. */
class TrafficControlCapabilityTest {

    private static final NodeSpec NODE = new NodeSpec("generic_node_image", "", List.of(), NetworkKind.LAN);
    private final TrafficControlCapability provider = new TrafficControlCapability();

    private Capability create(Map<String, Object> params) {
        return provider.create(new CapabilityRequest(TrafficControlCapability.NAME, params), NODE,
                HostSettings.defaults());
    }

    @Test
    void itsParametersAreTheNodesEgressOnTheIpMedium() {
        Capability c = create(Map.of("latency_ms", 100, "jitter_ms", 10, "loss_rate", 5));
        assertEquals(Map.of("latency_ms", 100, "jitter_ms", 10, "loss_rate", 5.0, "medium", "ip",
                "method", "cirque ip shaper"), c.describe());
        ContainerPlan plan = new ContainerPlan("generic_node_image", "n");
        c.contribute(plan);
        assertTrue(plan.linuxCapabilities().contains("NET_ADMIN"), "tc works in the node, as in Cirque");
        assertEquals("none", create(Map.of()).describe().get("method"), "nothing asked: nothing shaped");
    }

    @Test
    void valuesOutOfRangeAreRefusedNamingTheParameter() {
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("latency_ms", -1),
                Map.of("latency_ms", 60_001), Map.of("jitter_ms", -5), Map.of("loss_rate", 101))) {
            CirqueException e = assertThrows(CirqueException.class, () -> create(bad));
            assertEquals(CirqueException.Kind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next()), e.getMessage());
        }
    }

    @Test
    void itsJsonKeysSitUnderTrafficControl() {
        assertEquals(List.of("traffic_control.latencyMs", "traffic_control.loss", "traffic_control.jitterMs"),
                provider.wire().jsonKeys().stream().map(k -> k.path()).toList());
    }
}
