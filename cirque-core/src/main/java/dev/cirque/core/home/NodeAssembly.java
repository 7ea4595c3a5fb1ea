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
import java.util.concurrent.atomic.AtomicReference;
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
    private final HomeRecordings recordings;

    NodeAssembly(ContainerEngine engine, HomeNetworks networks, HomeLinks links, HomeRecordings recordings) {
        this.engine = engine;
        this.recordings = recordings;
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
            teardown.add("keep the log of " + name + " in the home's recording",
                    () -> recordings.keepLog(homeId, nodeId, name, containerId));
            step = "start container";
            engine.startContainer(containerId);
            // The run's teardown is replaced at each power-on: the step reads the current one.
            AtomicReference<Teardown> running = new AtomicReference<>(new Teardown());
            teardown.add("undo what the container's run set up", () -> running.get().run(name));
            step = "read addresses";
            NetworkAddresses addresses = engine.addresses(containerId, network.name());
            Progress progress = new Progress();
            try {
                bringUp(home, nodeId, containerId, name, network, addresses, caps, running.get(), progress);
            } finally {
                step = progress.step == null ? step : progress.step;
            }
            return new Node(nodeId, homeId, name, spec, containerId, network, addresses, caps, teardown, running);
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

    /** The step a multi-step action is at, for its error message. */
    private static final class Progress {
        String step;
    }

    /**
     * What follows a container's start, each run: its place on the media, then each
     * capability's enable, recorded in {@code running}.
     */
    private void bringUp(Home home, String nodeId, String containerId, String name, HomeNetwork network,
            NetworkAddresses addresses, List<Capability> caps, Teardown running, Progress progress) throws Exception {
        NodeHost host = engine.nodeHost();
        progress.step = "attach to the media " + links.media();
        if (!links.media().isEmpty()) {
            Runnable detach = links.attach(home, new LinkMedium.MediumNode(home.id(), nodeId,
                    host.namespacePid(containerId), inetAddresses(addresses)));
            running.add("detach from the media", detach::run);
        }
        progress.step = "record its interface";
        Runnable endCapture = recordings.captureUnbridged(home.id(), name, network, host.namespacePid(containerId));
        running.add("end the recording's capture of its interface", endCapture::run);
        NodeContext context = new Running(home, nodeId, host, running, containerId, name, addresses.ipv4());
        for (Capability c : caps) {
            progress.step = "capability " + c.name() + ": enable";
            c.enable(context);
        }
    }

    /**
     * Powers a node off: undoes what its run set up (media, enabled capabilities), then stops
     * its container (SIGTERM, SIGKILL after {@code grace}). The container and what capabilities
     * prepared on the host stay. The caller holds the node's power lock.
     */
    void powerOff(Node node, Duration grace) {
        List<String> failures = node.running.get().run(node.toString());
        if (!failures.isEmpty()) {
            log.warn("{}: powering off, some of its run could not be undone: {}", node, failures);
        }
        engine.stopContainer(node.containerId(), grace);
    }

    /**
     * Powers a node on: starts its container, reads its addresses again (the engine may give
     * others), and sets up its run anew. If a step fails, the run is undone and the container
     * stopped again before the error, naming the step, is thrown. The caller holds the power lock.
     */
    NetworkAddresses powerOn(Home home, Node node) {
        Teardown running = new Teardown();
        Progress progress = new Progress();
        progress.step = "start container";
        try {
            engine.startContainer(node.containerId());
            progress.step = "read addresses";
            NetworkAddresses addresses = engine.addresses(node.containerId(), node.network().name());
            bringUp(home, node.id(), node.containerId(), node.name(), node.network(), addresses, node.capabilities(),
                    running, progress);
            node.running.set(running);
            return addresses;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            List<String> failures = running.run(node.toString());
            try {
                engine.stopContainer(node.containerId(), Duration.ZERO);
            } catch (RuntimeException stopFailed) {
                failures.add("stop container: " + stopFailed.getMessage());
            }
            log.warn("{}: powering on failed at '{}': {}; stopped again{}", node, progress.step, e.getMessage(),
                    failures.isEmpty() ? "" : " with failures: " + failures);
            if (e instanceof CirqueException c) {
                throw c.during("powering on device (" + progress.step + ")");
            }
            throw new CirqueException(Kind.INTERNAL, "powering on device (" + progress.step + "): " + e, e);
        }
    }

    /** Puts a new node where its spec says in its home's space (nothing for none), once it is in the home. */
    void place(Home home, Node node, dev.cirque.core.space.Position position) {
        if (position != null) {
            links.space().place(home.id(), node.id(), position);
        }
    }

    /** Undoes everything a node set up, newest first; failures are logged, not thrown. */
    void takeApart(Node node) {
        List<String> failures = node.underPower(() -> node.teardown.run(node.toString()));
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
