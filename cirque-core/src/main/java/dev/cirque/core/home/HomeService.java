package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ContainerEngine.NetworkConfig;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.engine.NetworkAddresses;
import dev.cirque.core.host.HostLinks;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.core.util.ShellWords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of homes and the operations on them: the one path every front (gRPC, HTTP,
 * CLI) takes. Thread-safe; homes are independent of each other, and within a home nodes
 * are created and stopped concurrently.
 */
public final class HomeService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HomeService.class);
    /** How long stopping a home waits for node creations already under way. */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(60);

    private final ContainerEngine engine;
    private final CapabilityRegistry capabilities;
    private final Map<String, Home> homes = new ConcurrentHashMap<>();
    private final ExecutorService teardownPool;
    private final ExecutorService creationPool;
    private final Limits limits;

    public HomeService(ContainerEngine engine, CapabilityRegistry capabilities) {
        this(engine, capabilities, Limits.defaults());
    }

    public HomeService(ContainerEngine engine, CapabilityRegistry capabilities, Limits limits) {
        this.engine = engine;
        this.capabilities = capabilities;
        this.limits = limits;
        this.teardownPool = Executors.newFixedThreadPool(16, daemonThreads("cirque-teardown"));
        // Sized for the engine, not the client: dockerd serialises much of container
        // creation, so more parallel creations only queue inside it.
        this.creationPool = Executors.newFixedThreadPool(8, daemonThreads("cirque-create"));
    }

    public ContainerEngine engine() {
        return engine;
    }

    public CapabilityRegistry capabilities() {
        return capabilities;
    }

    // --- homes ---------------------------------------------------------------------------

    public Home createHome() {
        if (homes.size() >= limits.maxHomes()) {
            throw new CirqueException(Kind.RESOURCE_EXHAUSTED, "this daemon already runs " + homes.size()
                    + " homes, its limit (--max-homes); stop one first");
        }
        String id = UUID.randomUUID().toString();
        String networkName = "cirque-" + id;
        String networkId = engine.createNetwork(networkName, Labels.owned(Labels.home(id)), NetworkConfig.bridge());
        Home home = new Home(id, new HomeNetwork(NetworkKind.LAN, networkId, networkName, "bridge", ""));
        homes.put(id, home);
        log.info("home {} created (network {})", id, networkName);
        return home;
    }

    /**
     * Creates a home and every node of a topology, concurrently, as one transaction: if any
     * node fails, the home and all its nodes are removed and the first failure (in topology
     * order) is thrown, naming its device. Every spec is checked before anything exists.
     *
     * @param topology node specs by the client's key for them (e.g. {@code device0})
     * @return the home, with its nodes by topology key
     */
    public Topology createHome(Map<String, NodeSpec> topology) {
        return createHome(topology, TopologyListener.NONE);
    }

    /** Hears of a topology's progress: its home, then each node as it comes up. */
    public interface TopologyListener {
        TopologyListener NONE = new TopologyListener() {};

        default void homeCreated(Home home) {}

        /** Called from the creating threads, concurrently: implementations must be thread-safe. */
        default void nodeReady(String key, Node node) {}
    }

    /** As {@link #createHome(Map)}, telling {@code listener} of each step as it happens. */
    public Topology createHome(Map<String, NodeSpec> topology, TopologyListener listener) {
        for (Map.Entry<String, NodeSpec> e : topology.entrySet()) {
            try {
                e.getValue().validate();
                capabilities.create(e.getValue()); // pure: checks parameters only
            } catch (CirqueException ex) {
                throw ex.forDevice(e.getKey());
            }
        }
        Home home = createHome();
        listener.homeCreated(home);
        long started = System.nanoTime();
        Map<String, CompletableFuture<Node>> pending = new LinkedHashMap<>();
        topology.forEach((key, spec) -> pending.put(key, CompletableFuture.supplyAsync(() -> {
            Node node = createNode(home.id(), spec);
            listener.nodeReady(key, node);
            return node;
        }, creationPool)));
        Map<String, Node> nodes = new LinkedHashMap<>();
        CirqueException failure = null;
        for (Map.Entry<String, CompletableFuture<Node>> e : pending.entrySet()) {
            try {
                nodes.put(e.getKey(), e.getValue().join());
            } catch (CompletionException ex) {
                if (failure == null) {
                    failure = (ex.getCause() instanceof CirqueException ce ? ce
                            : new CirqueException(Kind.INTERNAL, String.valueOf(ex.getCause()), ex.getCause()))
                            .forDevice(e.getKey());
                }
            }
        }
        if (failure != null) {
            log.warn("home {}: topology failed ({}); removing the home", home.id(), failure.getMessage());
            stopHome(home.id());
            throw failure;
        }
        log.info("home {}: {} device(s) up in {} ms", home.id(), nodes.size(), (System.nanoTime() - started) / 1_000_000);
        return new Topology(home, nodes);
    }

    /** A home made from a topology, with its nodes by the topology's keys. */
    public record Topology(Home home, Map<String, Node> nodes) {}

    public List<Home> homes() {
        return homes.values().stream()
                .sorted((a, b) -> a.createdAt().compareTo(b.createdAt()))
                .toList();
    }

    public Home home(String homeId) {
        Home home = homeId == null ? null : homes.get(homeId);
        if (home == null) {
            throw CirqueException.notFound("no home with id '" + homeId + "'");
        }
        return home;
    }

    /** Stops every node of the home in parallel, then removes its network. */
    public void stopHome(String homeId) {
        Home home = homes.remove(homeId == null ? "" : homeId);
        if (home == null) {
            throw CirqueException.notFound("no home with id '" + homeId + "'");
        }
        long started = System.nanoTime();
        List<Node> nodes;
        try {
            nodes = home.closeAndDrain(DRAIN_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CirqueException(Kind.INTERNAL, "interrupted while stopping home " + homeId);
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (Node node : nodes) {
            pending.add(CompletableFuture.runAsync(() -> teardownNode(node), teardownPool));
        }
        awaitAll(pending);
        for (HomeNetwork network : home.networksForRemoval()) {
            engine.removeNetwork(network.id());
        }
        log.info("home {} stopped: {} node(s) removed in {} ms", homeId, nodes.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Stops every home, in parallel; used on shutdown. Failures are logged, not thrown. */
    public void stopAll() {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (String id : List.copyOf(homes.keySet())) {
            // A home's teardown fans out on the pool itself, so each home gets its own thread
            // rather than a pool slot it would wait in.
            pending.add(CompletableFuture.runAsync(() -> stopHome(id), r -> new Thread(r, "cirque-stop-home").start()));
        }
        awaitAll(pending);
    }

    // --- nodes ---------------------------------------------------------------------------

    public List<Node> nodes(String homeId) {
        return home(homeId).nodes();
    }

    public Node node(String homeId, String nodeId) {
        Home home = home(homeId);
        return home.node(nodeId == null ? "" : nodeId).orElseThrow(() ->
                CirqueException.notFound("no device with id '" + nodeId + "' in home " + homeId));
    }

    /**
     * Creates a node as one transaction: every step done is recorded and, if a later step
     * fails, undone in reverse order before the error (naming the failed step) is thrown.
     */
    public Node createNode(String homeId, NodeSpec spec) {
        spec.validate();
        Home home = home(homeId);
        List<Capability> caps = capabilities.create(spec);
        String nodeId = UUID.randomUUID().toString();
        String name = containerName(homeId, spec.deviceType(), nodeId);
        Teardown teardown = new Teardown();
        long started = System.nanoTime();
        home.beginCreate(limits.maxNodesPerHome());
        String step = "check image";
        Node node;
        try {
            if (!engine.imageExists(spec.image())) {
                throw CirqueException.precondition("image '" + spec.image() + "' is not on this Docker engine,"
                        + " and cirque never pulls images: build it first (scripts/build-images.sh builds"
                        + " cirque/generic-node and cirque/wifi-ap; otherwise docker build -t " + spec.image()
                        + " ...)");
            }
            PrepareContext preparing = new Preparing(homeId, nodeId, teardown);
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
            HomeNetwork network = network(home, plan.network());
            step = "create container";
            String containerId = engine.createContainer(plan, network.name());
            teardown.add("remove container " + name, () -> engine.removeContainer(containerId));
            step = "start container";
            engine.startContainer(containerId);
            step = "read addresses";
            NetworkAddresses addresses = engine.addresses(containerId, network.name());

            NodeContext context = new Context(homeId, nodeId, containerId, name, addresses.ipv4(), teardown);
            for (Capability c : caps) {
                step = "capability " + c.name() + ": enable";
                c.enable(context);
            }

            node = new Node(nodeId, homeId, name, spec, containerId, network, addresses, caps, teardown);
        } catch (CirqueException e) {
            rollback(home, name, teardown, step, e);
            throw e.during("creating device (" + step + ")");
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            rollback(home, name, teardown, step, e);
            throw new CirqueException(Kind.INTERNAL, "creating device (" + step + "): " + e, e);
        }
        if (!home.commit(node)) {
            teardown.run(node.toString());
            throw CirqueException.notFound("home " + homeId + " was stopped while device " + nodeId
                    + " was being created");
        }
        log.info("node {} ({}, image {}) up in home {}: ipv4 {}{} [{} ms]", nodeId, name, spec.image(), homeId,
                node.ipv4(), node.ipv6().isEmpty() ? "" : ", ipv6 " + node.ipv6(),
                (System.nanoTime() - started) / 1_000_000);
        return node;
    }

    /** Undoes what a stopped node set up and removes it from its home. */
    public void stopNode(String homeId, String nodeId) {
        Home home = home(homeId);
        Node node = home.remove(nodeId == null ? "" : nodeId).orElseThrow(() ->
                CirqueException.notFound("no device with id '" + nodeId + "' in home " + homeId));
        teardownNode(node);
    }

    /** Runs a command line in a node, split like a shell would split it (not through one). */
    public ExecResult exec(String homeId, String nodeId, String command, Duration timeout) {
        return run(homeId, nodeId, argv(command), timeout); // argv() checked the length
    }

    /** Runs an argument vector as given (the in-process CLI's form). */
    public ExecResult exec(String homeId, String nodeId, List<String> argv, Duration timeout) {
        if (argv.stream().mapToInt(String::length).sum() > limits.maxCommandBytes()) {
            throw new CirqueException(Kind.RESOURCE_EXHAUSTED, "command over the limit of "
                    + limits.maxCommandBytes() + " characters (--max-command-bytes)");
        }
        return run(homeId, nodeId, argv, timeout);
    }

    private ExecResult run(String homeId, String nodeId, List<String> argv, Duration timeout) {
        Node node = node(homeId, nodeId);
        long started = System.nanoTime();
        ExecResult result = engine.exec(node.containerId(), argv, timeout);
        if (log.isDebugEnabled()) {
            log.debug("exec in {}: {} -> {} [{} us]", node.name(), argv, result.exitCode(),
                    (System.nanoTime() - started) / 1000);
        }
        return result;
    }

    /** Runs a command line in a node, passing its output on as it comes; returns the exit code. */
    public int execStreaming(String homeId, String nodeId, String command, Duration timeout,
            ContainerEngine.OutputSink sink) {
        Node node = node(homeId, nodeId);
        return engine.exec(node.containerId(), argv(command), timeout, sink);
    }

    public String logs(String homeId, String nodeId, int tail) {
        Node node = node(homeId, nodeId);
        return engine.logs(node.containerId(), Math.max(0, tail));
    }

    @Override
    public void close() {
        stopAll();
        creationPool.shutdown();
        teardownPool.shutdown();
    }

    // --- networks ------------------------------------------------------------------------

    /** The home's network of that kind, made the first time a node asks for it. */
    private HomeNetwork network(Home home, NetworkKind kind) {
        synchronized (home) {
            Optional<HomeNetwork> existing = home.network(kind);
            if (existing.isPresent()) {
                return existing.get();
            }
            String name = "cirque-" + home.id() + "-" + kind.wireName().toLowerCase(Locale.ROOT);
            Map<String, String> labels = Labels.owned(Labels.home(home.id()));
            HomeNetwork made = switch (kind) {
                case LAN -> throw new IllegalStateException("every home has its LAN");
                case INTERNAL -> new HomeNetwork(kind, engine.createNetwork(name, labels,
                        new NetworkConfig("bridge", true, Map.of(), "", "", "")), name, "bridge", "");
                case IPV6 -> new HomeNetwork(kind, engine.createNetwork(name, labels,
                        new NetworkConfig("bridge", false, Map.of(), "", "", ula(home.id()))), name, "bridge", "");
                case IPVLAN -> ipvlan(name, labels);
            };
            home.addNetwork(made);
            log.info("home {}: network {} created ({}{})", home.id(), name, made.driver(),
                    made.note().isEmpty() ? "" : "; " + made.note());
            return made;
        }
    }

    /** An ipvlan network on the configured host interface, or macvlan where the kernel has no ipvlan. */
    private HomeNetwork ipvlan(String name, Map<String, String> labels) {
        HostSettings host = capabilities.host();
        String parent = host.setting("ipvlan.parent").orElseGet(HostLinks::defaultRouteInterface);
        String subnet = host.setting("ipvlan.subnet").orElse("");
        String gateway = host.setting("ipvlan.gateway").orElse("");
        Optional<String> noIpvlan = HostLinks.probe("ipvlan", parent, "mode", "l2");
        if (noIpvlan.isEmpty()) {
            return new HomeNetwork(NetworkKind.IPVLAN, engine.createNetwork(name, labels,
                    new NetworkConfig("ipvlan", false, Map.of("parent", parent, "ipvlan_mode", "l2"), subnet, gateway,
                            "")), name, "ipvlan", "");
        }
        Optional<String> noMacvlan = HostLinks.probe("macvlan", parent, "mode", "bridge");
        if (noMacvlan.isPresent()) {
            throw CirqueException.precondition("IpvLan needs ipvlan or macvlan links on " + parent + "; this kernel"
                    + " has neither (ipvlan: " + noIpvlan.get() + "; macvlan: " + noMacvlan.get() + ")");
        }
        String note = "this kernel has no ipvlan (" + noIpvlan.get() + "); macvlan on " + parent + " instead";
        return new HomeNetwork(NetworkKind.IPVLAN, engine.createNetwork(name, labels,
                new NetworkConfig("macvlan", false, Map.of("parent", parent, "macvlan_mode", "bridge"), subnet, gateway,
                        "")), name, "macvlan", note);
    }

    /** A unique-local /64 of the home's own, from its id: fdXX:XXXX:XXXX::/64. */
    static String ula(String homeId) {
        String hex = homeId.replace("-", "");
        return "fd" + hex.substring(0, 2) + ":" + hex.substring(2, 6) + ":" + hex.substring(6, 10) + "::/64";
    }

    // --- helpers -------------------------------------------------------------------------

    private List<String> argv(String command) {
        if (command != null && command.length() > limits.maxCommandBytes()) {
            throw new CirqueException(Kind.RESOURCE_EXHAUSTED, "command of " + command.length()
                    + " characters is over the limit of " + limits.maxCommandBytes() + " (--max-command-bytes)");
        }
        List<String> argv = ShellWords.split(command == null ? "" : command);
        if (argv.isEmpty()) {
            throw CirqueException.invalid("command is empty");
        }
        return argv;
    }

    private void rollback(Home home, String name, Teardown teardown, String step, Exception cause) {
        List<String> failures = teardown.run(name);
        home.abortCreate();
        log.warn("creating {} failed at '{}': {}; rolled back{}", name, step, cause.getMessage(),
                failures.isEmpty() ? "" : " with failures: " + failures);
    }

    private void teardownNode(Node node) {
        List<String> failures = node.teardown.run(node.toString());
        if (failures.isEmpty()) {
            log.info("node {} ({}) stopped in home {}", node.id(), node.name(), node.homeId());
        } else {
            log.warn("node {} ({}) stopped in home {} with failures: {}", node.id(), node.name(),
                    node.homeId(), failures);
        }
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

    private static void awaitAll(List<CompletableFuture<Void>> pending) {
        for (CompletableFuture<Void> f : pending) {
            try {
                f.join();
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                log.warn("parallel teardown: {}", cause.getMessage());
            }
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** What a capability sees of the node it is preparing. */
    private record Preparing(String homeId, String nodeId, Teardown teardown) implements PrepareContext {
        @Override
        public void onTeardown(String description, TeardownStep step) {
            teardown.add(description, step);
        }
    }

    /** What a capability sees of the node it is enabling. */
    private final class Context implements NodeContext {
        private final String homeId;
        private final String nodeId;
        private final String containerId;
        private final String containerName;
        private final String ipv4;
        private final Teardown teardown;

        Context(String homeId, String nodeId, String containerId, String containerName, String ipv4,
                Teardown teardown) {
            this.homeId = homeId;
            this.nodeId = nodeId;
            this.containerId = containerId;
            this.containerName = containerName;
            this.ipv4 = ipv4;
            this.teardown = teardown;
        }

        @Override
        public String ipv4() {
            return ipv4;
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
            return engine.pid(containerId);
        }

        @Override
        public void onTeardown(String description, TeardownStep step) {
            teardown.add(description, step);
        }
    }
}
