package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code TrafficControl}: the node's sends delayed by {@code latency_ms} (spread by
 * {@code jitter_ms}, a cirque-java extension) and lost at {@code loss_rate} percent, on its
 * home network, IPv4 and IPv6 alike. The daemon's IP shaper does it (see cirque-sim-ip), the
 * same way on every kernel, with or without netem: these are the node's egress conditions
 * in the home's link model, which per-link conditions and partitions can override while the
 * home runs. The node also gets NET_ADMIN, so {@code tc} works in it as in Cirque.
 */
public final class TrafficControlCapability implements CapabilityProvider {

    public static final String NAME = "TrafficControl";
    /** The medium it shapes. */
    static final String MEDIUM = "ip";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("trafficcontrol_capability").json(
                JsonKey.integer("traffic_control.latencyMs", "latency_ms"),
                JsonKey.integer("traffic_control.loss", "loss_rate"),
                JsonKey.integer("traffic_control.jitterMs", "jitter_ms"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        long latency = request.integer("latency_ms", 0);
        long loss = request.integer("loss_rate", 0);
        long jitter = request.integer("jitter_ms", 0);
        if (latency < 0 || latency > LinkConditions.MAX_DELAY_MS) {
            throw CirqueException.invalid("TrafficControl latency_ms must be 0.." + LinkConditions.MAX_DELAY_MS
                    + ", got " + latency);
        }
        if (jitter < 0 || jitter > LinkConditions.MAX_DELAY_MS) {
            throw CirqueException.invalid("TrafficControl jitter_ms must be 0.." + LinkConditions.MAX_DELAY_MS
                    + ", got " + jitter);
        }
        if (loss < 0 || loss > 100) {
            throw CirqueException.invalid("TrafficControl loss_rate is a percentage, 0..100; got " + loss);
        }
        return new Shaping(LinkConditions.of((int) latency, (int) jitter, loss));
    }

    private static final class Shaping implements Capability {
        private final LinkConditions egress;

        Shaping(LinkConditions egress) {
            this.egress = egress;
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public void contribute(ContainerPlan plan) {
            plan.addLinuxCapability("NET_ADMIN");
        }

        @Override
        public void enable(NodeContext node) {
            if (!egress.ideal()) {
                node.setEgress(MEDIUM, egress); // goes with the node
            }
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("latency_ms", egress.latencyMs());
            d.put("jitter_ms", egress.jitterMs());
            d.put("loss_rate", egress.lossPercent());
            d.put("medium", MEDIUM);
            d.put("method", egress.ideal() ? "none" : "cirque ip shaper");
            return d;
        }
    }
}
