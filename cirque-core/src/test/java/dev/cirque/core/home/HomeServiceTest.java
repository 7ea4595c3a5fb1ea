package dev.cirque.core.home;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.host.SubnetPool;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.core.testing.FakeEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry, limits, node transactions, rollback, topologies, drain and networks, on a
 * {@link FakeEngine} (pure logic: runs without dockerd, in milliseconds). The same paths
 * against the real Docker engine are covered by cirque-grpc-server's tests.
 */
class HomeServiceTest {

    private static final String IMAGE = "test/image";

    @TempDir
    Path ledgerDir;

    /** What the Steps capability did and undid, in order. */
    private final List<String> journal = Collections.synchronizedList(new ArrayList<>());
    private HomeService homes;

    @AfterEach
    void closeService() {
        if (homes != null) {
            homes.close();
        }
    }

    private HomeService service(FakeEngine engine, Limits limits) {
        return service(engine, limits, Map.of());
    }

    private HomeService service(FakeEngine engine, Limits limits, Map<String, String> settings) {
        HostSettings host = new HostSettings(MountPolicy.anyPath(), settings, new HostLedger(ledgerDir));
        homes = new HomeService(engine, new CapabilityRegistry(List.of(new Steps("A"), new Steps("B")), host), limits);
        return homes;
    }

    private HomeService service(FakeEngine engine) {
        return service(engine, Limits.defaults());
    }

    private static NodeSpec node(String... caps) {
        List<CapabilityRequest> requests = new ArrayList<>();
        for (String c : caps) {
            String[] nameAndFailure = c.split(":");
            requests.add(nameAndFailure.length == 1 ? CapabilityRequest.of(c)
                    : new CapabilityRequest(nameAndFailure[0], Map.of("fail_at", nameAndFailure[1])));
        }
        return new NodeSpec(IMAGE, "", requests);
    }

    @Test
    void aPluginTellsEventsUnderKindsItNamesButNeverUnderTheCoresOwn() throws InterruptedException {
        HomeService s = service(new FakeEngine(IMAGE));
        Home home = s.createHome();
        Node n = s.createNode(home.id(), node());
        try (HomeEvents.Subscription watch = s.events().subscribe(home.id(), 16)) {
            s.tell(home.id(), "ROLE_CHANGED", n.id(), Map.of("from", "child", "to", "router"));
            HomeEvent told = watch.next(Duration.ZERO);
            assertEquals(HomeEvent.Kind.TOLD, told.kind());
            assertEquals("ROLE_CHANGED", told.name(), "the wire kind is the plug-in's");
            assertEquals(Map.of("from", "child", "to", "router"), told.detail());
            for (String refused : List.of("NODE_EXITED", "TOLD", "role changed", "")) {
                assertThrows(IllegalArgumentException.class, () -> s.tell(home.id(), refused, n.id(), Map.of()), refused);
            }
            assertNull(watch.poll(), "a refused event reaches no one");
        }
    }

    @Test
    void aContainerThatDiesBeforeItsNodeIsInTheHomeLeavesTheNodeExited() throws InterruptedException {
        // The fake tells of the death inside the start, before the node is in its home: the
        // window the real engine's event thread can hit only now and then.
        HomeService s = service(new FakeEngine(IMAGE).dieWhenStarted(3));
        Home home = s.createHome();
        try (HomeEvents.Subscription watch = s.events().subscribe(home.id(), 16)) {
            Node n = s.createNode(home.id(), node());
            assertEquals(Node.State.EXITED, n.state());
            assertEquals(3, n.exitCode());
            assertEquals(HomeEvent.Kind.NODE_CREATED, watch.next(Duration.ZERO).kind());
            HomeEvent exited = watch.next(Duration.ZERO);
            assertEquals(HomeEvent.Kind.NODE_EXITED, exited.kind());
            assertEquals("3", exited.detail().get("exit_code"));
            CirqueException e = assertThrows(CirqueException.class, () -> s.exec(home.id(), n.id(), "true", null));
            assertEquals(Kind.FAILED_PRECONDITION, e.kind());
            assertTrue(e.getMessage().contains("exited (code 3)"), e.getMessage());
        }
    }

    @Test
    void aPowerOffsGraceAndALogsTailAreCheckedHereForEveryFront() {
        FakeEngine engine = new FakeEngine(IMAGE); // a fake: only what reaches the engine is looked at
        HomeService s = service(engine);
        Home home = s.createHome();
        Node n = s.createNode(home.id(), node());
        for (int bad : new int[] {-5, 3601}) {
            CirqueException e = assertThrows(CirqueException.class, () -> s.powerOff(home.id(), n.id(), bad));
            assertEquals(Kind.INVALID_ARGUMENT, e.kind());
            assertEquals("grace_seconds must be 0..3600, got " + bad, e.getMessage());
        }
        assertEquals(Node.State.RUNNING, n.state(), "refused before anything changed");
        s.powerOff(home.id(), n.id(), null);
        assertEquals(Duration.ofSeconds(HomeService.POWER_OFF_GRACE_SECONDS), engine.lastStopGrace, "the default");
        s.powerOn(home.id(), n.id());
        s.powerOff(home.id(), n.id(), 3600);
        assertEquals(Duration.ofHours(1), engine.lastStopGrace);
        CirqueException e = assertThrows(CirqueException.class, () -> s.logs(home.id(), n.id(), -1));
        assertEquals("tail must not be negative, got -1", e.getMessage());
    }

    @Test
    void anExitedNodePoweredOffIsPoweredOff() throws InterruptedException {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Home home = s.createHome();
        Node n = s.createNode(home.id(), node());
        try (HomeEvents.Subscription watch = s.events().subscribe(home.id(), 16)) {
            engine.die(n.containerId(), 137);
            assertEquals(HomeEvent.Kind.NODE_EXITED, watch.next(Duration.ofSeconds(30)).kind());
            assertEquals(Node.State.EXITED, n.state());

            s.powerOff(home.id(), n.id(), 0);
            assertEquals(Node.State.POWERED_OFF, n.state());
            HomeEvent stopped = watch.next(Duration.ZERO);
            assertEquals(HomeEvent.Kind.NODE_STOPPED, stopped.kind());
            assertEquals("exited", stopped.detail().get("was"));
            s.powerOff(home.id(), n.id(), 0);
            assertEquals(null, watch.next(Duration.ZERO), "a second power-off is a retry, no event");
            s.powerOn(home.id(), n.id());
            assertEquals(Node.State.RUNNING, n.state());
        }
    }

    @Test
    void watchersSeeClientsCommandsButNotTheDaemonsOwnQueries() throws InterruptedException {
        HomeService s = service(new FakeEngine(IMAGE)); // the engine is a fake: only the events are looked at
        Home home = s.createHome();
        Node n = s.createNode(home.id(), node());
        try (HomeEvents.Subscription watch = s.events().subscribe(home.id(), 16)) {
            s.questions().query(home.id(), n.id(), List.of("ot-ctl", "state"), null);
            s.exec(home.id(), n.id(), "true", null);
            assertEquals(HomeEvent.Kind.EXEC_STARTED, watch.next(Duration.ZERO).kind());
            assertEquals(HomeEvent.Kind.EXEC_ENDED, watch.next(Duration.ZERO).kind());
            assertEquals(null, watch.next(Duration.ZERO), "the query was not an event");
        }
    }

    @Test
    void aHomeIsItsLanAndGoesWithIt() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Home home = s.createHome();
        Node n = s.createNode(home.id(), node("A"));
        assertEquals(1, engine.networks.size());
        FakeEngine.Net lan = engine.networks.values().iterator().next();
        assertEquals("cirque-" + home.id(), lan.name());
        assertEquals(home.id(), lan.labels().get(Labels.HOME));
        assertTrue(lan.labels().containsKey(Labels.OWNER), "networks carry their owner");
        assertEquals(n.id(), engine.containers.get(n.containerId()).plan().labels().get(Labels.NODE));
        s.stopHome(home.id());
        assertEquals(Map.of(), engine.containers);
        assertEquals(Map.of(), engine.networks);
        assertEquals(Kind.NOT_FOUND, assertThrows(CirqueException.class, () -> s.home(home.id())).kind());
    }

    @Test
    void concurrentCreatesNeverPassTheHomeLimit() throws Exception {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine, new Limits(2, 10, 1000));
        ExecutorService pool = Executors.newFixedThreadPool(12);
        List<Future<Home>> made = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 12; i++) {
            made.add(pool.submit(() -> {
                go.await();
                return s.createHome();
            }));
        }
        go.countDown();
        int ok = 0;
        int refused = 0;
        for (Future<Home> f : made) {
            try {
                f.get(10, TimeUnit.SECONDS);
                ok++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertEquals(Kind.RESOURCE_EXHAUSTED, ((CirqueException) e.getCause()).kind());
                refused++;
            }
        }
        pool.shutdown();
        assertEquals(2, ok);
        assertEquals(10, refused);
        assertEquals(2, engine.networks.size(), "a refused home makes no network");
    }

    @Test
    void aHomeWhoseLanFailsIsNotCountedOrListed() {
        FakeEngine engine = new FakeEngine(IMAGE).failOn("createNetwork", "no address pool left");
        HomeService s = service(engine, new Limits(1, 10, 1000));
        assertEquals(Kind.UNAVAILABLE, assertThrows(CirqueException.class, s::createHome).kind());
        assertEquals(List.of(), s.homes());
        // Had the failed home kept its place, the limit of one would refuse this as RESOURCE_EXHAUSTED.
        assertEquals(Kind.UNAVAILABLE, assertThrows(CirqueException.class, s::createHome).kind());
    }

    @Test
    void theNodeLimitCountsCreationsInFlight() {
        HomeService s = service(new FakeEngine(IMAGE), new Limits(5, 2, 1000));
        Home home = s.createHome();
        s.createNode(home.id(), node());
        s.createNode(home.id(), node());
        CirqueException e = assertThrows(CirqueException.class, () -> s.createNode(home.id(), node()));
        assertEquals(Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(e.getMessage().contains("--max-nodes-per-home"), e.getMessage());
    }

    @Test
    void aTopologyOverTheNodeLimitIsRefusedBeforeAnythingExists() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine, new Limits(5, 2, 1000));
        Map<String, NodeSpec> topology = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            topology.put("device" + i, node());
        }
        CirqueException e = assertThrows(CirqueException.class, () -> s.createHome(topology));
        assertEquals(Kind.RESOURCE_EXHAUSTED, e.kind());
        assertTrue(e.getMessage().contains("--max-nodes-per-home"), e.getMessage());
        assertEquals(List.of(), engine.calls, "no network, no container");
    }

    @Test
    void aFailedStepUndoesEveryEarlierStepInReverse() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Home home = s.createHome();
        CirqueException e = assertThrows(CirqueException.class, () -> s.createNode(home.id(), node("A", "B:enable")));
        assertTrue(e.getMessage().contains("capability B: enable"), e.getMessage());
        assertEquals(List.of("prepare A", "prepare B", "enable A", "undo enable A", "undo prepare B", "undo prepare A"),
                journal);
        assertEquals(Map.of(), engine.containers, "the container was removed");
        assertTrue(engine.calls.stream().anyMatch(c -> c.startsWith("removeContainer")), engine.calls.toString());
        assertEquals(List.of(), home.nodes());
        // The failed creation no longer counts against the home.
        s.createNode(home.id(), node());
    }

    @Test
    void anEngineFailureAfterCreationRemovesTheContainer() {
        FakeEngine engine = new FakeEngine(IMAGE).failOn("startContainer", "did not receive an exit event");
        HomeService s = service(engine);
        Home home = s.createHome();
        CirqueException e = assertThrows(CirqueException.class, () -> s.createNode(home.id(), node("A")));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("creating device (start container)"), e.getMessage());
        assertEquals(Map.of(), engine.containers);
        assertEquals(List.of("prepare A", "undo prepare A"), journal);
    }

    @Test
    void aMissingImageIsRefusedBeforeAnythingExists() {
        FakeEngine engine = new FakeEngine();
        HomeService s = service(engine);
        Home home = s.createHome();
        CirqueException e = assertThrows(CirqueException.class, () -> s.createNode(home.id(), node("A")));
        assertEquals(Kind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("never pulls"), e.getMessage());
        assertEquals(List.of(), journal);
        assertTrue(engine.calls.stream().noneMatch(c -> c.startsWith("createContainer")));
    }

    @Test
    void aTopologyIsAllOrNothingAndNamesTheFailedDevice() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Map<String, NodeSpec> topology = new LinkedHashMap<>();
        topology.put("device0", node("A"));
        topology.put("device1", node("B:enable"));
        topology.put("device2", node());
        CirqueException e = assertThrows(CirqueException.class, () -> s.createHome(topology));
        assertEquals("device1", e.device());
        assertEquals(List.of(), s.homes());
        assertEquals(Map.of(), engine.containers);
        assertEquals(Map.of(), engine.networks);
    }

    @Test
    void aBadSpecInATopologyCreatesNothing() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Map<String, NodeSpec> topology = new LinkedHashMap<>();
        topology.put("ok", node());
        topology.put("bad", node("Nope"));
        CirqueException e = assertThrows(CirqueException.class, () -> s.createHome(topology));
        assertEquals(Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("bad", e.device());
        assertEquals(List.of(), engine.calls, "nothing reached the engine");
    }

    @Test
    void stoppingAHomeWaitsForCreationsUnderWayAndUndoesThem() throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeEngine engine = new FakeEngine(IMAGE).holdOn("startContainer", reached, release);
        HomeService s = service(engine);
        Home home = s.createHome();
        CompletableFuture<Node> creating = CompletableFuture.supplyAsync(() -> s.createNode(home.id(), node("A")));
        assertTrue(reached.await(10, TimeUnit.SECONDS), "creation reached the engine");
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> s.stopHome(home.id()));
        // The home leaves the registry at once; its teardown waits for the creation (had it not,
        // removing the LAN under the held container would fail: the fake refuses, as Docker does).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.homes().contains(home) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(List.of(), s.homes());
        assertTrue(!stopping.isDone(), "stopHome returned while a creation was under way");
        release.countDown();
        stopping.get(10, TimeUnit.SECONDS);
        CirqueException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> creating.get(10, TimeUnit.SECONDS)).getCause() instanceof CirqueException ce ? ce : null;
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertEquals(Map.of(), engine.containers);
        assertEquals(Map.of(), engine.networks);
        assertEquals(List.of("prepare A", "enable A", "undo enable A", "undo prepare A"), journal);
    }

    @Test
    void readingAHomeNeverWaitsForItsNetworksToBeMade() throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Home home = s.createHome();
        Node first = s.createNode(home.id(), node());
        engine.holdOn("createNetwork", reached, release);
        CompletableFuture<Node> creating = CompletableFuture.supplyAsync(() ->
                s.createNode(home.id(), new NodeSpec(IMAGE, "", List.of(), NetworkKind.INTERNAL)));
        try {
            assertTrue(reached.await(10, TimeUnit.SECONDS), "the internal network is being made");
            // Docker holds the network's creation; reads of the home answer meanwhile.
            CompletableFuture<List<Node>> listed = CompletableFuture.supplyAsync(() -> s.nodes(home.id()));
            assertEquals(List.of(first), listed.get(5, TimeUnit.SECONDS));
            assertEquals(first, CompletableFuture.supplyAsync(() -> s.node(home.id(), first.id())).get(5, TimeUnit.SECONDS));
        } finally {
            release.countDown();
        }
        creating.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aHomeWhoseNetworkWillNotGoStaysListedAndAStopRetries() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Home home = s.createHome();
        s.createNode(home.id(), node("A"));
        String lan = home.network(NetworkKind.LAN).orElseThrow().id();
        engine.failFor("removeNetwork", lan);
        assertThrows(CirqueException.class, () -> s.stopHome(home.id()));
        assertEquals(List.of(home), s.homes(), "still listed: seen, and stoppable again");
        assertEquals(List.of(), s.nodes(home.id()), "its nodes are gone");
        assertEquals(Kind.NOT_FOUND, assertThrows(CirqueException.class, () -> s.createNode(home.id(), node())).kind(),
                "closed to new nodes");
        engine.recover("removeNetwork", lan);
        s.stopHome(home.id());
        assertEquals(List.of(), s.homes());
        assertEquals(Map.of(), engine.networks);
        assertEquals(Map.of(), engine.containers);
    }

    @Test
    void extraNetworksAreMadeOnceOnFirstUseAndRemovedBeforeTheLan() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine);
        Home home = s.createHome();
        NodeSpec internal = new NodeSpec(IMAGE, "", List.of(), NetworkKind.INTERNAL);
        NodeSpec ipv6 = new NodeSpec(IMAGE, "", List.of(), NetworkKind.IPV6);
        s.createNode(home.id(), internal);
        s.createNode(home.id(), internal);
        Node v6 = s.createNode(home.id(), ipv6);
        assertEquals(3, engine.networks.size());
        FakeEngine.Net v6net = engine.networks.values().stream().filter(n -> n.name().endsWith("-ipv6")).findFirst()
                .orElseThrow();
        assertTrue(v6net.config().ipv6Subnet().matches("fd63:6972:7175:[0-9a-f]+::/64"), v6net.config().ipv6Subnet());
        assertEquals(3, engine.networks.values().stream().map(n -> n.config().ipv4Subnet())
                .filter(n -> n.startsWith("10.19") || n.startsWith("10.20")).distinct().count(),
                "each network its own /24 of the pool");
        assertTrue(engine.networks.values().stream().filter(n -> n.name().endsWith("-internal")).findFirst()
                .orElseThrow().config().internal());
        assertEquals(NetworkKind.IPV6, v6.network().kind());
        s.stopHome(home.id());
        List<String> removals = engine.calls.stream().filter(c -> c.startsWith("removeNetwork")).toList();
        assertEquals(3, removals.size());
        assertEquals("removeNetwork " + home.network(NetworkKind.LAN).orElseThrow().id(), removals.get(2));
    }

    @Test
    void homesTakeSubnetsFromTheDaemonsPoolAndGiveThemBack() throws Exception {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine, Limits.defaults(), Map.of(SubnetPool.SETTING, "10.250.0.0/23"));
        Home a = s.createHome();
        Home b = s.createHome();
        assertEquals(Set.of("10.250.0.0/24", "10.250.1.0/24"), engine.networks.values().stream()
                .map(n -> n.config().ipv4Subnet()).collect(Collectors.toSet()));
        CirqueException full = assertThrows(CirqueException.class, s::createHome);
        assertEquals(Kind.RESOURCE_EXHAUSTED, full.kind());
        assertTrue(full.getMessage().contains("--home-subnets"), full.getMessage());
        assertEquals(2, s.homes().size(), "the refused home is not listed");
        s.stopHome(a.id());
        Home c = s.createHome(); // a's subnet is free again
        assertEquals(2, engine.networks.size());
        s.stopHome(b.id());
        s.stopHome(c.id());
        try (Stream<Path> leases = Files.list(ledgerDir.resolve("leases").resolve(SubnetPool.POOL))) {
            assertEquals(List.of(), leases.toList(), "every subnet given back");
        }
    }

    @Test
    void outputAndLogsAreCutAtTheLimitAndSaySo() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine, new Limits(5, 5, 1000, 1_000_000));
        Home home = s.createHome();
        Node n = s.createNode(home.id(), node());
        String out = s.exec(home.id(), n.id(), "bytes 10000000", null).output();
        assertTrue(out.startsWith("a".repeat(1_000_000) + "\n[cirque: output cut at 1000000 bytes; 9000000 more"
                + " bytes dropped"), out.substring(999_990, Math.min(out.length(), 1_000_100)));
        engine.logBytes = 5_000_000;
        String logs = s.logs(home.id(), n.id(), 0);
        assertTrue(logs.length() < 1_000_200 && logs.contains("4000000 more bytes dropped"), logs.substring(1_000_000));
        assertEquals("bytes|12", s.exec(home.id(), n.id(), "bytes|12", null).output(), "short output untouched");
    }

    @Test
    void commandsAreSplitLikeAShellAndCapped() {
        FakeEngine engine = new FakeEngine(IMAGE);
        HomeService s = service(engine, new Limits(5, 5, 20));
        Home home = s.createHome();
        Node n = s.createNode(home.id(), node());
        assertEquals("sh|-c|echo a b", s.exec(home.id(), n.id(), "sh -c 'echo a b'", Duration.ofSeconds(5)).output());
        assertEquals(1, s.exec(home.id(), n.id(), "false", null).exitCode());
        assertEquals(Kind.INVALID_ARGUMENT, assertThrows(CirqueException.class,
                () -> s.exec(home.id(), n.id(), "  ", null)).kind());
        assertEquals(Kind.RESOURCE_EXHAUSTED, assertThrows(CirqueException.class,
                () -> s.exec(home.id(), n.id(), "echo " + "x".repeat(30), null)).kind());
        assertEquals(Kind.RESOURCE_EXHAUSTED, assertThrows(CirqueException.class,
                () -> s.exec(home.id(), n.id(), List.of("echo", "y".repeat(30)), null)).kind());
        assertEquals(Kind.NOT_FOUND, assertThrows(CirqueException.class,
                () -> s.exec(home.id(), "nope", "true", null)).kind());
    }

    /**
     * A capability that writes what it does to the journal and registers its undo; with
     * {@code fail_at} = prepare, contribute or enable it fails at that step.
     */
    private final class Steps implements CapabilityProvider {
        private final String name;

        Steps(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
            String failAt = request.string("fail_at", "");
            return new Capability() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public void prepare(PrepareContext ctx) {
                    step(ctx, "prepare", failAt);
                }

                @Override
                public void contribute(ContainerPlan plan) {
                    if (failAt.equals("contribute")) {
                        throw CirqueException.invalid(name + " fails to contribute");
                    }
                }

                @Override
                public void enable(NodeContext ctx) {
                    step(ctx, "enable", failAt);
                }
            };
        }

        private void step(PrepareContext ctx, String step, String failAt) {
            if (failAt.equals(step)) {
                throw CirqueException.precondition(name + " fails to " + step);
            }
            journal.add(step + " " + name);
            ctx.onTeardown(step + " " + name, () -> journal.add("undo " + step + " " + name));
        }
    }
}
