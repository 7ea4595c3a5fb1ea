package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeService.Topology;
import dev.cirque.core.home.HomeService.TopologyListener;
import dev.cirque.core.spec.NodeSpec;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spare homes, made ahead of being asked for (opt-in, {@code --warm-homes N}): after a home
 * of a topology is created or stopped, up to N spare homes of that topology are made in the
 * background, one at a time, as ordinary homes (containers, networks, radios, capabilities,
 * labels, limits, the sweep) that nobody sees; a creation with an identical topology is then
 * handed one at once. Spares are kept for the {@value #TOPOLOGIES} topologies used last; one
 * whose images changed since it was made is never handed out but stopped. A creation that
 * finds the home cap reached takes the room of a spare.
 */
final class WarmHomes {

    private static final Logger log = LoggerFactory.getLogger(WarmHomes.class);
    /** How many topologies have spares at once: a suite's few shapes, not every one it ever used. */
    static final int TOPOLOGIES = 4;

    /** A spare home, and the images its nodes ran when it was made. */
    private record Spare(Topology topology, Map<String, String> imageIds) {}

    private final HomeService homes;
    private final HomeRegistry registry;
    private final TopologyTransaction topologies;
    /** Ready spares by topology, the topology used last at the end. */
    private final LinkedHashMap<Map<String, NodeSpec>, Deque<Spare>> ready = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Map<String, NodeSpec>, Integer> building = new LinkedHashMap<>();
    /** The topology of each home made from one while spares are kept: its stop refills too. */
    private final Map<String, Map<String, NodeSpec>> topologyOf = new ConcurrentHashMap<>();
    private ExecutorService builder;
    private int perTopology;
    private boolean closed;

    WarmHomes(HomeService homes, HomeRegistry registry, TopologyTransaction topologies) {
        this.homes = homes;
        this.registry = registry;
        this.topologies = topologies;
    }

    synchronized void perTopology(int n) {
        if (n < 0) {
            throw CirqueException.invalid("--warm-homes must be 0 or more, not " + n);
        }
        perTopology = n;
        if (n > 0 && builder == null) {
            builder = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "cirque-warm-homes");
                t.setDaemon(true);
                t.setPriority(Thread.MIN_PRIORITY); // asked-for work goes first
                return t;
            });
        }
    }

    synchronized int ready() {
        return ready.values().stream().mapToInt(Deque::size).sum();
    }

    /** A home of {@code topology} was made (cold or handed out): spares of it are made again. */
    void created(String homeId, Map<String, NodeSpec> topology) {
        synchronized (this) {
            if (perTopology == 0 || closed) {
                return;
            }
        }
        topologyOf.put(homeId, topology);
        refill(topology);
    }

    /** The topology a home was made from, forgotten now that it stops; null if none is known. */
    Map<String, NodeSpec> stopping(String homeId) {
        return topologyOf.remove(homeId);
    }

    /** A spare home of exactly this topology, now the caller's; null when there is none. */
    Topology handOut(Map<String, NodeSpec> topology, TopologyListener listener) {
        while (true) {
            Spare spare;
            synchronized (this) {
                Deque<Spare> pool = perTopology == 0 ? null : ready.get(topology);
                spare = pool == null ? null : pool.poll();
            }
            if (spare == null) {
                return null;
            }
            long started = System.nanoTime();
            String home = spare.topology().home().id();
            String changed = changedImage(spare);
            if (changed != null) {
                log.info("spare home {} not handed out: image {} changed since it was made; stopping it", home, changed);
                stopQuietly(home);
                continue;
            }
            registry.handOut(home);
            listener.homeCreated(spare.topology().home());
            spare.topology().nodes().forEach(listener::nodeReady);
            log.info("home {}: handed out warm ({} device(s)) in {} ms", home, spare.topology().nodes().size(),
                    (System.nanoTime() - started) / 1_000_000);
            return spare.topology();
        }
    }

    /** Starts making spares of {@code topology} up to the number asked for, in the background. */
    synchronized void refill(Map<String, NodeSpec> topology) {
        if (perTopology == 0 || closed) {
            return;
        }
        Deque<Spare> pool = ready.computeIfAbsent(topology, t -> new ArrayDeque<>());
        dropOldTopologies();
        int missing = perTopology - pool.size() - building.getOrDefault(topology, 0);
        for (int i = 0; i < missing; i++) {
            building.merge(topology, 1, Integer::sum);
            try {
                builder.execute(() -> build(topology));
            } catch (RejectedExecutionException e) {
                building.merge(topology, -1, Integer::sum);
                return; // closing
            }
        }
    }

    /** Stops one spare (of the topology used least recently) to make room; false when there is none. */
    boolean evictOne() {
        String home = null;
        synchronized (this) {
            for (Deque<Spare> pool : ready.values()) {
                Spare s = pool.poll();
                if (s != null) {
                    home = s.topology().home().id();
                    break;
                }
            }
        }
        if (home == null) {
            return false;
        }
        log.info("spare home {} stopped to make room under --max-homes", home);
        stopQuietly(home);
        return true;
    }

    /**
     * No more spares are made; those there are stop with the other homes. A spare under way is
     * waited for (it stops itself once it sees the close), so that none is left half made.
     */
    void close() {
        ExecutorService stopping;
        synchronized (this) {
            closed = true;
            ready.clear();
            stopping = builder;
        }
        if (stopping == null) {
            return;
        }
        stopping.shutdown(); // not interrupted: a Docker call cut short could leave half a spare behind
        try {
            if (!stopping.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES)) {
                log.warn("a spare home under way did not end within 2 minutes; the next start's sweep removes it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void build(Map<String, NodeSpec> topology) {
        try {
            if (isClosed()) {
                return;
            }
            Map<String, String> images = imageIds(topology); // before: a change while building shows later
            Topology made = topologies.run(topology, TopologyListener.NONE, true);
            boolean keep;
            synchronized (this) {
                Deque<Spare> pool = ready.get(topology);
                keep = !closed && pool != null && pool.size() < perTopology;
                if (keep) {
                    pool.add(new Spare(made, images));
                }
            }
            if (!keep) {
                stopQuietly(made.home().id());
            } else {
                log.info("spare home {} ready ({} device(s)); {} spare(s) in all", made.home().id(),
                        made.nodes().size(), ready());
            }
        } catch (RuntimeException e) {
            if (isClosed()) {
                log.debug("a spare home under way was given up: the daemon is stopping ({})", e.getMessage());
            } else {
                log.warn("a spare home could not be made: {}", e.getMessage());
            }
        } finally {
            synchronized (this) {
                building.merge(topology, -1, Integer::sum);
            }
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Keeps spares for the last {@value #TOPOLOGIES} topologies only. */
    private void dropOldTopologies() {
        Iterator<Map.Entry<Map<String, NodeSpec>, Deque<Spare>>> oldestFirst = ready.entrySet().iterator();
        while (ready.size() > TOPOLOGIES && oldestFirst.hasNext()) {
            Deque<Spare> pool = oldestFirst.next().getValue();
            oldestFirst.remove();
            for (Spare s : pool) {
                String home = s.topology().home().id();
                builder.execute(() -> stopQuietly(home));
            }
        }
    }

    private Map<String, String> imageIds(Map<String, NodeSpec> topology) {
        Map<String, String> ids = new TreeMap<>();
        for (NodeSpec spec : topology.values()) {
            String image = homes.capabilities().resolve(spec).image();
            ids.computeIfAbsent(image, homes.engine()::imageId);
        }
        return ids;
    }

    private String changedImage(Spare spare) {
        for (Map.Entry<String, String> e : spare.imageIds().entrySet()) {
            String now;
            try {
                now = homes.engine().imageId(e.getKey());
            } catch (CirqueException gone) {
                return e.getKey();
            }
            if (!now.equals(e.getValue())) {
                return e.getKey();
            }
        }
        return null;
    }

    private void stopQuietly(String homeId) {
        try {
            homes.stop(homeId);
        } catch (RuntimeException e) {
            log.warn("spare home {}: {}", homeId, e.getMessage());
        }
    }
}
