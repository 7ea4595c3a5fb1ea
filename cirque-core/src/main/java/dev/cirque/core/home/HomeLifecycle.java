package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.spec.NodeSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Homes and nodes made and stopped: a home reserved under the cap (a spare one given up to
 * make room), its network made, registered and told; a node assembled as one transaction and
 * placed in its home, or taken apart again if the home stopped meanwhile; a home stopped after
 * the creations under way, its nodes taken apart in parallel, its networks removed, and told.
 */
final class HomeLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HomeLifecycle.class);
    /** How long stopping a home waits for node creations already under way. */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(60);

    private final HomeRegistry registry;
    private final HomeNetworks networks;
    private final NodeAssembly assembly;
    private final HomeEvents events;
    private final ExecutorService teardownPool;
    private final CapabilityRegistry capabilities;
    private final Limits limits;
    private final NodePower power;
    private final HomeRecordings recordings;
    private WarmHomes warm;

    HomeLifecycle(HomeRegistry registry, HomeNetworks networks, NodeAssembly assembly, HomeEvents events,
            ExecutorService teardownPool, CapabilityRegistry capabilities, Limits limits, NodePower power,
            HomeRecordings recordings) {
        this.recordings = recordings;
        this.registry = registry;
        this.networks = networks;
        this.assembly = assembly;
        this.events = events;
        this.teardownPool = teardownPool;
        this.capabilities = capabilities;
        this.limits = limits;
        this.power = power;
    }

    /** The spares, which are made and stopped through here too. */
    void warm(WarmHomes spares) {
        this.warm = spares;
    }

    /** A new home; a spare one (made ahead for {@link WarmHomes}) stays hidden until handed out. */
    Home create(boolean spare) {
        if (spare) {
            registry.reserve(); // a spare never makes room for itself by stopping another
        } else {
            reserve();
        }
        String id = UUID.randomUUID().toString();
        recordings.recordings().begin(id); // before the LAN, whose bridge it captures
        Home home;
        try {
            home = new Home(id, networks.createLan(id));
        } catch (RuntimeException e) {
            recordings.recordings().discard(id);
            registry.cancel();
            throw e;
        }
        registry.add(home, spare);
        log.info("{} {} created (network {})", spare ? "spare home" : "home", id, home.networkName());
        if (!spare) {
            events.publish(id, HomeEvent.Kind.HOME_CREATED, "", Map.of("network", home.networkName()));
        }
        return home;
    }

    /** Reserves a home under the cap, giving up a spare home to make room when one is there. */
    private void reserve() {
        while (true) {
            try {
                registry.reserve();
                return;
            } catch (CirqueException e) {
                if (e.kind() != Kind.RESOURCE_EXHAUSTED || !warm.evictOne()) {
                    throw e;
                }
            }
        }
    }

    /** See {@link HomeService#createNode(String, NodeSpec)}. */
    Node addNode(Home home, NodeSpec asked) {
        String homeId = home.id();
        NodeSpec spec = capabilities.resolve(asked);
        spec.validate();
        List<Capability> caps = capabilities.create(spec);
        long started = System.nanoTime();
        home.beginCreate(limits.maxNodesPerHome());
        Node node;
        try {
            node = assembly.assemble(home, spec, caps);
        } catch (RuntimeException e) {
            home.abortCreate();
            throw e;
        }
        if (!home.commit(node)) {
            try {
                assembly.takeApart(node);
            } finally {
                home.abortCreate();
            }
            throw CirqueException.notFound("home " + homeId + " was stopped while device " + node.id()
                    + " was being created");
        }
        events.publish(homeId, HomeEvent.Kind.NODE_CREATED, node.id(), Map.of("name", node.name(), "image",
                spec.image()));
        assembly.place(home, node, spec.position());
        power.claimEarlyDeath(home, node);
        log.info("node {} ({}, image {}) up in home {}: ipv4 {}{} [{} ms]", node.id(), node.name(), spec.image(),
                homeId, node.ipv4(), node.ipv6().isEmpty() ? "" : ", ipv6 " + node.ipv6(),
                (System.nanoTime() - started) / 1_000_000);
        return node;
    }

    /** See {@link HomeService#stopNode}. */
    void removeNode(Home home, String nodeId) {
        Node node = home.remove(nodeId == null ? "" : nodeId).orElseThrow(() ->
                CirqueException.notFound("no device with id '" + nodeId + "' in home " + home.id()));
        assembly.takeApart(node);
        events.publish(home.id(), HomeEvent.Kind.NODE_REMOVED, node.id(), Map.of("name", node.name()));
    }

    /** Stops a home, spare or not (see {@link HomeService#stopHome}). */
    void stop(String homeId) {
        Map<String, NodeSpec> topology = warm.stopping(homeId);
        boolean unseen = registry.isSpare(homeId);
        Home home = registry.remove(homeId).orElseThrow(() ->
                CirqueException.notFound("no home with id '" + homeId + "'"));
        long started = System.nanoTime();
        List<Node> nodes;
        try {
            nodes = home.closeAndDrain(DRAIN_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CirqueException(Kind.INTERNAL, "interrupted while stopping home " + homeId);
        }
        recordings.stopping(home, nodes);
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (Node node : nodes) {
            pending.add(CompletableFuture.runAsync(() -> assembly.takeApart(node), teardownPool));
        }
        awaitAll(pending);
        try {
            networks.removeAll(home);
        } catch (RuntimeException e) {
            // Listed again, closed and without nodes, so that it is seen and a later stop retries;
            // dropped from the registry it would be invisible until the next start's sweep.
            registry.putBack(home);
            log.warn("home {}: its nodes are gone but a network is not ({}); it stays listed until a stop succeeds",
                    homeId, e.getMessage());
            throw e;
        }
        log.info("home {} stopped: {} node(s) removed in {} ms", homeId, nodes.size(),
                (System.nanoTime() - started) / 1_000_000);
        if (unseen) {
            events.forget(homeId); // a spare's events went to no one
            recordings.recordings().discard(homeId);
        } else {
            events.publish(homeId, HomeEvent.Kind.HOME_STOPPED, "", Map.of("nodes", Integer.toString(nodes.size())));
            recordings.recordings().end(homeId);
        }
        if (topology != null) {
            warm.refill(topology);
        }
    }

    /** Stops every home, in parallel; used on shutdown. Failures are logged, not thrown. */
    void stopAll() {
        warm.close(); // no spares made while stopping
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (String id : registry.ids()) {
            // A home's teardown fans out on the pool itself, so each home gets its own thread
            // rather than a pool slot it would wait in.
            pending.add(CompletableFuture.runAsync(() -> stop(id), r -> new Thread(r, "cirque-stop-home").start()));
        }
        awaitAll(pending);
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
}
