package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.home.Home;
import dev.cirque.core.home.HomeEvent;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread role changes in the home's event stream. OpenThread tells no one when a node's role
 * changes, so its stack is asked ({@code ot-ctl state}) every interval, only in homes someone
 * watches. As the Thread watch does, the first look at a watched home tells each node's role
 * (from ""), and from then on each change as THREAD_ROLE_CHANGED; so does a node that joins
 * or is powered on. A node whose stack does not answer this round is skipped, not taken for
 * a change. A home no longer watched is forgotten, and told afresh when watched again.
 */
public final class ThreadRoleEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ThreadRoleEvents.class);
    /** How often watched homes' Thread nodes are asked. */
    public static final Duration INTERVAL = Duration.ofSeconds(2);

    private final HomeService homes;
    private final ScheduledExecutorService timer;
    /** Roles as last seen, by home and node: only homes being watched. */
    private final Map<String, Map<String, String>> roles = new ConcurrentHashMap<>();

    private ThreadRoleEvents(HomeService homes) {
        this.homes = homes;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cirque-thread-roles");
            t.setDaemon(true);
            return t;
        });
    }

    public static ThreadRoleEvents start(HomeService homes, Duration interval) {
        ThreadRoleEvents events = new ThreadRoleEvents(homes);
        events.timer.scheduleWithFixedDelay(events::lookSafely, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return events;
    }

    private void lookSafely() {
        try {
            look();
        } catch (RuntimeException e) {
            log.warn("watching Thread roles: {}", e.toString(), e);
        }
    }

    void look() {
        Set<String> looked = new HashSet<>();
        for (Home home : homes.homes()) {
            if (!homes.events().watched(home.id())) {
                continue;
            }
            looked.add(home.id());
            Map<String, String> known = roles.computeIfAbsent(home.id(), h -> new ConcurrentHashMap<>());
            Set<String> present = new HashSet<>();
            for (Node node : home.nodes()) {
                if (!isThread(node)) {
                    continue;
                }
                present.add(node.id());
                if (node.state() != Node.State.RUNNING) {
                    known.remove(node.id()); // powered on again, its first role is news
                    continue;
                }
                String role;
                try {
                    role = ThreadTopology.ctl(homes, home.id(), node.id(), "state");
                } catch (CirqueException e) {
                    continue; // not asked this round: nothing is known to have changed
                }
                String before = known.put(node.id(), role);
                if (!role.equals(before)) {
                    homes.tell(home.id(), HomeEvent.Kind.THREAD_ROLE_CHANGED, node.id(),
                            Map.of("from", before == null ? "" : before, "to", role));
                }
            }
            known.keySet().retainAll(present);
        }
        roles.keySet().retainAll(looked); // unwatched homes start afresh when watched again
    }

    private static boolean isThread(Node node) {
        return node.spec().capabilities().stream().anyMatch(c -> c.name().equals(ThreadCapability.NAME));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
