package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.engine.NetworkAddresses;
import dev.cirque.core.engine.NodeHost;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles one node as a transaction and takes it apart again. Every step done (a radio,
 * an X server, the container, a firewall rule) is recorded in the node's {@link Teardown}
 * as it is done; if a later step fails, {@link #rollback} undoes them in reverse and the
 * error names the step that failed. Stopping a node runs the same undo steps.
 */
final class NodeAssembly {

    private static final Logger log = LoggerFactory.getLogger(NodeAssembly.class);

    private final ContainerEngine engine;
    private final HomeNetworks networks;
    private final HomeLinks links;

    NodeAssembly(ContainerEngine engine, HomeNetworks networks, HomeLinks links) {
        this.engine = engine;
        this.networks = networks;
        this.links = links;
    }

    /**
     * Builds a node of {@code spec} (already validated and resolved) with its capabilities
     * in {@code home}, which has counted it as a creation in flight; the caller commits it.
     */
    Node assemble(Home home, NodeSpec spec, List<Capability> caps) {
        String homeId = home.id();
        String nodeId = UUID.randomUUID().toString();
        String name = containerName(homeId, spec.deviceType(), nodeId);
        Teardown teardown = new Teardown();
        String step = "check image";
        try {
            if (!engine.imageExists(spec.image())) {
                throw CirqueException.precondition("image '" + spec.image() + "' is not on this Docker engine,"
                        + " and cirque never pulls images: build it first (scripts/build-images.sh builds"
                        + " cirque/generic-node and cirque/wifi-ap; otherwise docker build -t " + spec.image()
                        + " ...)");
            }
            NodeHost host = engine.nodeHost();
            PrepareContext preparing = new Preparing(homeId, nodeId, host, teardown);
            for (Capability c : caps) {
                step = "capability " + c.name() + ": prepare";
                c.prepare(preparing);
            }
            step = "plan container";
            ContainerPlan plan = new ContainerPlan(spec.image(), name);
            Labels.owned(Labels.node(homeId, nodeId)).forEach(plan::label);
            plan.label("cirque.device_type", spec.deviceType());
            if (spec.network() != NetworkKind.LAN) {
                plan.network(spec.network());
            }
            for (Capability c : caps) {
                step = "capability " + c.name() + ": contribute";
                c.contribute(plan);
            }
            step = "prepare network " + plan.network();
            HomeNetwork network = networks.forNode(home, plan.network());
            step = "create container";
            String containerId = engine.createContainer(plan, network.name());
            teardown.add("remove container " + name, () -> engine.removeContainer(containerId));
            step = "start container";
            engine.startContainer(containerId);
            step = "read addresses";
            NetworkAddresses addresses = engine.addresses(containerId, network.name());
            if (!links.media().isEmpty()) {
                step = "attach to the media " + links.media();
                Runnable detach = links.attach(home, new LinkMedium.MediumNode(homeId, nodeId,
                        host.namespacePid(containerId), inetAddresses(addresses)));
                teardown.add("detach from the media", detach::run);
            }

            NodeContext context = new Running(home, nodeId, host, teardown, containerId, name, addresses.ipv4());
            for (Capability c : caps) {
                step = "capability " + c.name() + ": enable";
                c.enable(context);
            }
            return new Node(nodeId, homeId, name, spec, containerId, network, addresses, caps, teardown);
        } catch (CirqueException e) {
            rollback(name, teardown, step, e);
            throw e.during("creating device (" + step + ")");
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            rollback(name, teardown, step, e);
            throw new CirqueException(Kind.INTERNAL, "creating device (" + step + "): " + e, e);
        }
    }

    /** Undoes everything a node set up, newest first; failures are logged, not thrown. */
    void takeApart(Node node) {
        List<String> failures = node.teardown.run(node.toString());
        if (failures.isEmpty()) {
            log.info("node {} ({}) stopped in home {}", node.id(), node.name(), node.homeId());
        } else {
            log.warn("node {} ({}) stopped in home {} with failures: {}", node.id(), node.name(),
                    node.homeId(), failures);
        }
    }

    private static void rollback(String name, Teardown teardown, String step, Exception cause) {
        List<String> failures = teardown.run(name);
        log.warn("creating {} failed at '{}': {}; rolled back{}", name, step, cause.getMessage(),
                failures.isEmpty() ? "" : " with failures: " + failures);
    }

    /** {@code cirque-<home>-<type>-<node>}, within Docker's name alphabet. */
    static String containerName(String homeId, String deviceType, String nodeId) {
        String type = deviceType.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]+", "-")
                .replaceAll("^[^a-z0-9]+", "");
        if (type.length() > 24) {
            type = type.substring(type.length() - 24);
        }
        return "cirque-" + homeId.substring(0, 8) + "-" + (type.isEmpty() ? "node" : type) + "-"
                + nodeId.substring(0, 8);
    }

    /** What a capability sees of the node it is preparing. */
    private static class Preparing implements PrepareContext {
        final String homeId;
        final String nodeId;
        final NodeHost host;
        final Teardown teardown;

        Preparing(String homeId, String nodeId, NodeHost host, Teardown teardown) {
            this.homeId = homeId;
            this.nodeId = nodeId;
            this.host = host;
            this.teardown = teardown;
        }

        @Override
        public String homeId() {
            return homeId;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public NodeHost host() {
            return host;
        }

        @Override
        public void onTeardown(String description, TeardownStep step) {
            teardown.add(description, step);
        }
    }

    private static List<InetAddress> inetAddresses(NetworkAddresses a) throws UnknownHostException {
        List<InetAddress> out = new ArrayList<>();
        for (String literal : List.of(a.ipv4(), a.ipv6())) {
            if (!literal.isEmpty()) {
                out.add(InetAddress.getByName(literal)); // a literal: no name lookup
            }
        }
        return out;
    }

    /** What a capability sees of the node it is enabling. */
    private final class Running extends Preparing implements NodeContext {
        private final Home home;
        private final String containerId;
        private final String containerName;
        private final String ipv4;

        Running(Home home, String nodeId, NodeHost host, Teardown teardown, String containerId,
                String containerName, String ipv4) {
            super(home.id(), nodeId, host, teardown);
            this.home = home;
            this.containerId = containerId;
            this.containerName = containerName;
            this.ipv4 = ipv4;
        }

        @Override
        public String ipv4() {
            return ipv4;
        }

        @Override
        public String containerId() {
            return containerId;
        }

        @Override
        public String containerName() {
            return containerName;
        }

        @Override
        public ExecResult exec(List<String> argv, Duration timeout) {
            return engine.exec(containerId, argv, timeout);
        }

        @Override
        public long pid() {
            return host.namespacePid(containerId);
        }

        @Override
        public void setEgress(String medium, LinkConditions conditions) {
            links.setEgress(home, medium, nodeId, conditions);
        }
    }
}
