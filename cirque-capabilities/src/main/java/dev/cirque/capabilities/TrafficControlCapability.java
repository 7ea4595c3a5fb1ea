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
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TrafficControl}: {@code tc} usable in the node (NET_ADMIN), and the asked-for latency
 * and loss applied to its default interface at start, with {@code tc qdisc ... netem}.
 * Where the host kernel has no netem qdisc, loss falls back to an iptables
 * {@code statistic} rule in the node's namespace (same effect on egress), and latency,
 * which nothing else can give, is refused with FAILED_PRECONDITION. The rules live in the
 * node's own namespace, so they go with its container.
 */
public final class TrafficControlCapability implements CapabilityProvider {

    public static final String NAME = "TrafficControl";
    static final String INTERFACE = "eth0";
    private static final Logger log = LoggerFactory.getLogger(TrafficControlCapability.class);
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("trafficcontrol_capability").json(
                JsonKey.integer("traffic_control.latencyMs", "latency_ms"),
                JsonKey.integer("traffic_control.loss", "loss_rate"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        long latency = request.integer("latency_ms", 0);
        long loss = request.integer("loss_rate", 0);
        if (latency < 0 || latency > 60_000) {
            throw CirqueException.invalid("TrafficControl latency_ms must be 0..60000, got " + latency);
        }
        if (loss < 0 || loss > 100) {
            throw CirqueException.invalid("TrafficControl loss_rate is a percentage, 0..100; got " + loss);
        }
        return new Shaping(latency, loss);
    }

    private static final class Shaping implements Capability {
        private final long latencyMs;
        private final long lossPercent;
        private volatile String method = "none";

        Shaping(long latencyMs, long lossPercent) {
            this.latencyMs = latencyMs;
            this.lossPercent = lossPercent;
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
            if (latencyMs == 0 && lossPercent == 0) {
                return;
            }
            List<String> tc = new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", INTERFACE, "root", "netem"));
            if (latencyMs > 0) {
                tc.addAll(List.of("delay", latencyMs + "ms"));
            }
            if (lossPercent > 0) {
                tc.addAll(List.of("loss", lossPercent + "%"));
            }
            ExecResult r = node.exec(tc, STEP_TIMEOUT);
            if (r.succeeded()) {
                method = "netem";
                return;
            }
            requireTool(r, "tc", "iproute2");
            if (!netemMissing(r.output())) {
                throw CirqueException.precondition("TrafficControl: " + String.join(" ", tc) + " failed: "
                        + r.output().strip());
            }
            if (latencyMs > 0) {
                throw CirqueException.precondition("TrafficControl latency_ms needs the netem queueing discipline,"
                        + " which this host's kernel lacks (tc said: " + r.output().strip() + "). Load it on the"
                        + " host with 'modprobe sch_netem', or ask for loss_rate alone, which works without it.");
            }
            log.info("node {}: no netem in this kernel; applying {}% loss with an iptables statistic rule",
                    node.nodeId(), lossPercent);
            String probability = String.format(Locale.ROOT, "%.4f", lossPercent / 100.0);
            ExecResult ipt = node.exec(List.of("iptables", "-A", "OUTPUT", "-o", INTERFACE, "-m", "statistic",
                    "--mode", "random", "--probability", probability, "-j", "DROP"), STEP_TIMEOUT);
            requireTool(ipt, "iptables", "iptables");
            if (!ipt.succeeded()) {
                throw CirqueException.precondition("TrafficControl: the iptables loss rule failed: "
                        + ipt.output().strip());
            }
            method = "iptables-statistic";
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("latency_ms", latencyMs);
            d.put("loss_rate", lossPercent);
            d.put("interface", INTERFACE);
            d.put("method", method);
            return d;
        }

        private static boolean netemMissing(String output) {
            String o = output.toLowerCase(Locale.ROOT);
            return o.contains("qdisc kind is unknown") || o.contains("qdisc not found") || o.contains("unknown qdisc")
                    || o.contains("no such file");
        }

        private static void requireTool(ExecResult r, String tool, String debianPackage) {
            String o = r.output();
            if (r.exitCode() == 126 || r.exitCode() == 127 || o.contains("executable file not found")) {
                throw CirqueException.precondition("TrafficControl needs '" + tool + "' in the node's image"
                        + " (Debian package " + debianPackage + ")");
            }
        }
    }
}
