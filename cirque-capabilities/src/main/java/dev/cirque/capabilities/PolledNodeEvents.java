package dev.cirque.capabilities;

import dev.cirque.core.home.Home;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes of a node's state that nothing tells the daemon (a Thread role, a WiFi association),
 * found by asking the node every interval in homes someone watches, and (where the kind
 * says so) every {@value #RECORDED_EVERY}th interval in homes only the flight recorder keeps
 * (so a replay has them, at a cost a home nobody watches can bear), and told to the home's watchers and its
 * recording. The first look at a home tells each node's state (from ""), and from then on each
 * change; so does a node that joins or is powered on. A node that does not answer this round
 * (a Thread node busy with a client's command is not asked: see {@link HomeService#inTurn}) is
 * skipped, not taken for a change. A home neither watched nor recorded is forgotten, and told
 * afresh when watched again.
 */
abstract class PolledNodeEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PolledNodeEvents.class);

    protected final HomeService homes;
    /** The kind its events go under, as watchers see it. */
    private final String kind;
    private final ScheduledExecutorService timer;
    /** States as last seen, by home and node: only homes being watched. */
    private final Map<String, Map<String, String>> seen = new ConcurrentHashMap<>();
    /** Homes only recorded are looked at one round in this many. */
    static final int RECORDED_EVERY = 5;
    private long round;
    private final boolean forRecordings;
    /** The homes watched at the last look. */
    private Set<String> watched = Set.of();

    /**
     * @param forRecordings whether homes only the recorder keeps are asked too (Thread roles:
     *                      one ot-ctl each; not WiFi's iw, which took a second a node under emulation)
     */
    PolledNodeEvents(HomeService homes, String kind, String threadName, boolean forRecordings) {
        this.homes = homes;
        this.kind = kind;
        this.forRecordings = forRecordings;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether this kind of state is a node's at all (it has the capability). */
    abstract boolean concerns(Node node);

    /** The node's state now; empty when it could not be asked this round. */
    abstract Optional<String> probe(String home, Node node);

    final void start(Duration interval) {
        timer.scheduleWithFixedDelay(this::lookSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void lookSafely() {
        try {
            look();
        } catch (RuntimeException e) {
            log.warn("watching {}: {}", kind, e.toString(), e);
        }
    }

    void look() {
        Set<String> looked = new HashSet<>();
        Set<String> watchedNow = new HashSet<>();
        boolean recordedToo = round++ % RECORDED_EVERY == 0;
        for (Home home : homes.homes()) {
            boolean recorded = forRecordings && homes.recordings().recordings().live(home.id()).isPresent();
            if (!homes.events().watched(home.id())) {
                if (recorded) {
                    looked.add(home.id()); // what it saw stays, for the rounds that skip it
                }
                if (!recorded || !recordedToo) {
                    continue;
                }
            } else {
                watchedNow.add(home.id());
                if (!watched.contains(home.id())) {
                    seen.remove(home.id()); // a new watcher is told every node's state, from ""
                }
            }
            looked.add(home.id());
            Map<String, String> known = seen.computeIfAbsent(home.id(), h -> new ConcurrentHashMap<>());
            Set<String> present = new HashSet<>();
            for (Node node : home.nodes()) {
                if (!concerns(node)) {
                    continue;
                }
                present.add(node.id());
                if (node.state() != Node.State.RUNNING) {
                    known.remove(node.id()); // powered on again, its first state is news
                    continue;
                }
                Optional<String> now = probe(home.id(), node);
                if (now.isEmpty()) {
                    continue;
                }
                String before = known.put(node.id(), now.get());
                // A first look that finds nothing (a station associated to no one) is no news.
                if (before == null ? !now.get().isEmpty() : !now.get().equals(before)) {
                    homes.tell(home.id(), kind, node.id(), Map.of("from", before == null ? "" : before, "to",
                            now.get()));
                }
            }
            known.keySet().retainAll(present);
        }
        seen.keySet().retainAll(looked);
        watched = watchedNow;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
