package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.recording.Recordings;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.core.util.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path every front (gRPC, HTTP, the CLI's two backends) takes to homes and nodes: the
 * operations, with their rules and defaults (a power-off's grace, a log's tail), in the order
 * they must run. The work is its parts': the registry and its limits {@link HomeRegistry}'s,
 * homes made and stopped {@link HomeLifecycle}'s, one node's assembly and rollback
 * {@link NodeAssembly}'s, networks {@link HomeNetworks}', topologies
 * {@link TopologyTransaction}'s, power and exits {@link NodePower}'s, commands
 * {@link ClientCommands}', links {@link HomeLinks}', media {@link HomeMedia}'s. Thread-safe;
 * homes are independent of each other, and within a home nodes are created and stopped concurrently.
 */
public final class HomeService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HomeService.class);
    /** How many topologies have spare homes at once (see {@link #warmHomes}). */
    public static final int WARM_TOPOLOGIES = WarmHomes.TOPOLOGIES;

    private final ContainerEngine engine;
    private final CapabilityRegistry capabilities;
    private final HomeRegistry registry;
    private final HomeNetworks networks;
    private final NodeAssembly assembly;
    private final HomeLinks links;
    private final HomeMedia media;
    private final HomeRecordings recordings;
    private final NodeCommands commands;
    private final TopologyTransaction topologies;
    private final WarmHomes warm;
    private final HomeEvents events;
    private final ExecutorService teardownPool;
    private final ExecutorService creationPool;
    private final HomeLifecycle lifecycle;
    private final NodePower power;
    private final ClientCommands clients;
    private final NodeQuestions questions;
    /** Docker's word on this daemon's containers that die, for nodes that exit on their own. */
    private final AutoCloseable deaths;
    /** How long a power-off waits after SIGTERM before SIGKILL when not told, as {@code docker stop}'s default. */
    public static final int POWER_OFF_GRACE_SECONDS = 10;
    /** The longest grace a power-off takes. */
    public static final int MAX_POWER_OFF_GRACE_SECONDS = 3600;

    public HomeService(ContainerEngine engine, CapabilityRegistry capabilities) {
        this(engine, capabilities, Limits.defaults());
    }

    public HomeService(ContainerEngine engine, CapabilityRegistry capabilities, Limits limits) {
        this(engine, capabilities, limits, List.of());
    }

    /**
     * @param media the media this daemon shapes ({@code ip}, ...); the caller closes them after
     *     this. The capabilities' own media ({@code thread}) join them, and this closes those.
     */
    public HomeService(ContainerEngine engine, CapabilityRegistry capabilities, Limits limits, List<LinkMedium> media) {
        this(engine, capabilities, limits, media, Recordings.off());
    }

    /** @param recordings the flight recorder's: each home is recorded there from its creation */
    public HomeService(ContainerEngine engine, CapabilityRegistry capabilities, Limits limits, List<LinkMedium> media,
            Recordings recordings) {
        this.engine = engine;
        this.capabilities = capabilities;
        this.registry = new HomeRegistry(limits.maxHomes());
        this.events = new HomeEvents(home -> !registry.isSpare(home), recordings);
        this.networks = new HomeNetworks(engine, capabilities.host(), recordings);
        List<LinkMedium> all = new ArrayList<>(media);
        all.addAll(capabilities.media());
        this.recordings = new HomeRecordings(recordings, registry, engine, all.stream().map(LinkMedium::name).sorted()
                .toList());
        this.links = new HomeLinks(all, registry::get, (home, detail) -> {
            events.publish(home, HomeEvent.Kind.LINKS_CHANGED, "", detail);
            this.recordings.linksChanged(home, detail);
        });
        this.media = new HomeMedia(links, registry);
        HomeMedia.connect(all, events, recordings);
        this.assembly = new NodeAssembly(engine, networks, links, this.recordings);
        this.commands = new NodeCommands(engine, limits.maxCommandBytes(), limits.maxOutputBytes());
        this.teardownPool = Executors.newFixedThreadPool(16, DaemonThreads.named("cirque-teardown"));
        // Sized for the engine, not the client: dockerd serialises much of container
        // creation, so more parallel creations only queue inside it.
        this.creationPool = Executors.newFixedThreadPool(8, DaemonThreads.named("cirque-create"));
        this.power = new NodePower(engine, assembly, events, registry, teardownPool);
        this.lifecycle = new HomeLifecycle(registry, networks, assembly, events, teardownPool, capabilities, limits,
                power, this.recordings);
        this.topologies = new TopologyTransaction(this, creationPool, limits.maxNodesPerHome());
        this.warm = new WarmHomes(this, registry, topologies);
        lifecycle.warm(warm);
        this.clients = new ClientCommands(commands, events);
        this.questions = new NodeQuestions(this, clients);
        this.deaths = engine.watchDeaths(Labels.owned(Labels.managed()), power::containerDied);
    }

    /** What happens in each home, for its watchers. */
    public HomeEvents events() {
        return events;
    }

    /**
     * Tells a home's watchers of what the core cannot see itself: what a medium or a capability
     * learnt of a node, under a kind it names (a radio role change, say), never one of the core's own.
     */
    public void tell(String homeId, String kind, String nodeId, Map<String, String> detail) {
        events.tell(homeId, kind, nodeId, detail);
    }

    public ContainerEngine engine() {
        return engine;
    }

    public CapabilityRegistry capabilities() {
        return capabilities;
    }

    // --- homes ---------------------------------------------------------------------------

    public Home createHome() {
        return createHome(false);
    }

    /** A new home; a spare one (made ahead for {@link WarmHomes}) stays hidden until handed out. */
    Home createHome(boolean spare) {
        return lifecycle.create(spare);
    }

    /**
     * Creates a home and every node of a topology, concurrently, as one transaction (see
     * {@link TopologyTransaction}).
     *
     * @param topology node specs by the client's key for them (e.g. {@code device0})
     * @return the home, with its nodes by topology key
     */
    public Topology createHome(Map<String, NodeSpec> topology) {
        return createHome(topology, TopologyListener.NONE);
    }

    /**
     * As {@link #createHome(Map)}, telling {@code listener} of each step as it happens. With warm
     * homes on, a spare home of an identical topology is handed out when there is one, and spares
     * of this topology are made again in the background.
     */
    public Topology createHome(Map<String, NodeSpec> topology, TopologyListener listener) {
        Topology made = warm.handOut(topology, listener);
        if (made == null) {
            made = topologies.run(topology, listener, false);
        } else {
            events.publish(made.home().id(), HomeEvent.Kind.HOME_CREATED, "", Map.of("network",
                    made.home().networkName(), "warm", "true"));
        }
        warm.created(made.home().id(), topology);
        return made;
    }

    /**
     * Keeps up to {@code perTopology} spare homes of each topology asked for ready (see
     * {@link WarmHomes}); 0, the default, keeps none.
     */
    public void warmHomes(int perTopology) {
        warm.perTopology(perTopology);
    }

    /** How many spare homes are ready now, all topologies together. */
    public int spareHomes() {
        return warm.ready();
    }

    /** Hears of a topology's progress: its home, then each node as it comes up. */
    public interface TopologyListener {
        TopologyListener NONE = new TopologyListener() {};

        default void homeCreated(Home home) {}

        /** Called from the creating threads, concurrently: implementations must be thread-safe. */
        default void nodeReady(String key, Node node) {}
    }

    /** A home made from a topology, with its nodes by the topology's keys. */
    public record Topology(Home home, Map<String, Node> nodes) {}

    public List<Home> homes() {
        return registry.all();
    }

    public Home home(String homeId) {
        return registry.get(homeId);
    }

    /**
     * Stops every node of the home in parallel (after creations under way), then removes its
     * networks. If a network cannot be removed the home stays listed (closed, without nodes)
     * and the error is thrown: stopping it again retries.
     */
    public void stopHome(String homeId) {
        if (registry.isSpare(homeId)) {
            throw CirqueException.notFound("no home with id '" + homeId + "'");
        }
        stop(homeId);
    }

    /** Stops a home, spare or not. */
    void stop(String homeId) {
        lifecycle.stop(homeId);
    }

    /** Stops every home, in parallel; used on shutdown. Failures are logged, not thrown. */
    public void stopAll() {
        lifecycle.stopAll();
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

    /** Checks a spec and its capabilities' parameters without creating anything. */
    void check(NodeSpec spec) {
        NodeSpec resolved = capabilities.resolve(spec);
        resolved.validate();
        capabilities.create(resolved); // pure: checks parameters only
    }

    /**
     * Creates a node as one transaction (see {@link NodeAssembly}): if a step fails, what
     * was done is undone before the error, naming the failed step, is thrown.
     */
    public Node createNode(String homeId, NodeSpec asked) {
        return createNode(home(homeId), asked);
    }

    /** As {@link #createNode(String, NodeSpec)}, in a home already in hand (a spare one too). */
    Node createNode(Home home, NodeSpec asked) {
        return lifecycle.addNode(home, asked);
    }

    /** Undoes what a stopped node set up and removes it from its home. */
    public void stopNode(String homeId, String nodeId) {
        lifecycle.removeNode(home(homeId), nodeId);
    }

    /**
     * Powers a node off without removing it: what its run set up is undone and its container
     * stopped (SIGTERM, SIGKILL after {@code grace}); its container, addresses and capabilities'
     * host side stay for {@link #powerOn}. A node already off is stopped again (a retry after a
     * failure), without events; an exited node becomes powered off (NODE_STOPPED, {@code was=exited}).
     *
     * @param graceSeconds 0..{@value #MAX_POWER_OFF_GRACE_SECONDS}; null: {@value #POWER_OFF_GRACE_SECONDS}
     */
    public Node powerOff(String homeId, String nodeId, Integer graceSeconds) {
        return power.off(home(homeId), node(homeId, nodeId), NodePower.grace(graceSeconds));
    }

    /**
     * Powers a node on again (after {@link #powerOff} or an exit): its container starts with
     * the same file system, its capabilities are enabled again and it rejoins the media. A
     * node already running is left as it is.
     */
    public Node powerOn(String homeId, String nodeId) {
        return power.on(home(homeId), node(homeId, nodeId));
    }

    Node running(String homeId, String nodeId) {
        return node(homeId, nodeId).requireRunning(); // FAILED_PRECONDITION saying why not
    }

    /** Runs a command line in a node, split like a shell would split it (not through one). */
    public ExecResult exec(String homeId, String nodeId, String command, Duration timeout) {
        return clients.exec(running(homeId, nodeId), command, timeout);
    }

    /** Runs an argument vector as given (the in-process CLI's form). */
    public ExecResult exec(String homeId, String nodeId, List<String> argv, Duration timeout) {
        return clients.exec(running(homeId, nodeId), argv, timeout);
    }

    /** The daemon's own questions to nodes (a capability's queries), as opposed to the clients' commands. */
    public NodeQuestions questions() {
        return questions;
    }

    /** Runs a command line in a node, passing its output on as it comes; returns the exit code. */
    public int execStreaming(String homeId, String nodeId, String command, Duration timeout,
            ContainerEngine.OutputSink sink) {
        return clients.execStreaming(running(homeId, nodeId), command, timeout, sink);
    }

    /** The node's log: its last {@code tail} lines, every line for 0. */
    public String logs(String homeId, String nodeId, int tail) {
        if (tail < 0) {
            throw CirqueException.invalid("tail must not be negative, got " + tail);
        }
        return commands.logs(node(homeId, nodeId), tail);
    }

    // --- links ---------------------------------------------------------------------------

    /** Link conditions of the homes, per medium: set, read, partition, heal. */
    public HomeLinks links() {
        return links;
    }

    /** Any medium by name: what it knows of a home, its capture. */
    public HomeMedia media() {
        return media;
    }

    /** The flight recorder: each home's recording, live or kept after its stop. */
    public HomeRecordings recordings() {
        return recordings;
    }

    @Override
    public void close() {
        try {
            deaths.close();
        } catch (Exception e) {
            log.debug("closing the death watch: {}", e.toString());
        }
        stopAll();
        recordings.recordings().close();
        creationPool.shutdown();
        teardownPool.shutdown();
        capabilities.media().forEach(LinkMedium::close);
    }
}
