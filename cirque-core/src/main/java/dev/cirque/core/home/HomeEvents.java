package dev.cirque.core.home;

import dev.cirque.core.recording.Recordings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The events of every home, handed to its watchers. Publishing never waits: each watcher has
 * a bounded buffer, and a watcher whose buffer is full misses the events that do not fit;
 * the next event it gets says how many it missed ({@link HomeEvent#dropped()}). A slow
 * watcher thus costs the daemon nothing but the events it loses.
 */
public final class HomeEvents {

    /** A watcher's buffer unless it asks for another. */
    public static final int DEFAULT_CAPACITY = 1024;

    private final Map<String, Home> homes = new ConcurrentHashMap<>();
    /** Watchers of every home (a live view, {@code docker events}-like tools). */
    private final Set<Subscription> everyHome = ConcurrentHashMap.newKeySet();
    /** Whether a home's events are for watchers of every home (spare homes' are not). */
    private final java.util.function.Predicate<String> visible;

    /** Where every event of every home is also recorded, spare homes' too. */
    private final Recordings recordings;

    public HomeEvents() {
        this(home -> true, Recordings.off());
    }

    HomeEvents(java.util.function.Predicate<String> visible, Recordings recordings) {
        this.visible = visible;
        this.recordings = recordings;
    }

    /** One home's count and watchers; publishing to it is serialised so that every watcher sees one order. */
    private static final class Home {
        long seq;
        final Set<Subscription> watchers = ConcurrentHashMap.newKeySet();
    }

    /** Watches {@code homeId}'s events from now on, with a buffer of {@code capacity} events. */
    public Subscription subscribe(String homeId, int capacity) {
        Subscription s = new Subscription(homeId, capacity);
        homes.computeIfAbsent(homeId, h -> new Home()).watchers.add(s);
        return s;
    }

    /**
     * Watches every home's events from now on, {@link HomeEvent.Kind#HOME_CREATED} included.
     * Each home's events keep their order; events of different homes interleave as they happen.
     * A home's stop does not end this watch.
     */
    public Subscription subscribeAll(int capacity) {
        Subscription s = new Subscription(null, capacity);
        everyHome.add(s);
        return s;
    }

    /** A plug-in's event under a kind it names (UPPER_SNAKE_CASE, never one of {@link HomeEvent.Kind}'s). */
    void tell(String homeId, String kind, String nodeId, Map<String, String> detail) {
        if (!kind.matches("[A-Z][A-Z0-9_]*")) {
            throw new IllegalArgumentException("an event kind is UPPER_SNAKE_CASE, got '" + kind + "'");
        }
        for (HomeEvent.Kind own : HomeEvent.Kind.values()) {
            if (own.name().equals(kind)) {
                throw new IllegalArgumentException(kind + " is the core's own event");
            }
        }
        publish(homeId, HomeEvent.Kind.TOLD, kind, nodeId, detail);
    }

    void publish(String homeId, HomeEvent.Kind kind, String nodeId, Map<String, String> detail) {
        publish(homeId, kind, kind.name(), nodeId, detail);
    }

    void publish(String homeId, HomeEvent.Kind kind, String name, String nodeId, Map<String, String> detail) {
        Home home = homes.computeIfAbsent(homeId, h -> new Home());
        synchronized (home) {
            HomeEvent e = new HomeEvent(++home.seq, Instant.now(), homeId, kind, name, nodeId, Map.copyOf(detail), 0);
            recordings.live(homeId).ifPresent(r -> r.event(e.seq(), e.at(), e.name(), e.nodeId(), e.detail()));
            for (Subscription s : home.watchers) {
                s.offer(e);
            }
            if (!everyHome.isEmpty() && visible.test(homeId)) {
                for (Subscription s : everyHome) {
                    s.offer(e);
                }
            }
        }
        if (kind == HomeEvent.Kind.HOME_STOPPED) {
            homes.remove(homeId);
        }
    }

    /** Whether anyone watches {@code homeId} now (its own watchers, or watchers of every home). */
    public boolean watched(String homeId) {
        if (!everyHome.isEmpty() && visible.test(homeId)) {
            return true;
        }
        Home home = homes.get(homeId);
        return home != null && !home.watchers.isEmpty();
    }

    /** Drops what is kept of a home whose events were never for anyone (a spare home stopped unseen). */
    void forget(String homeId) {
        homes.remove(homeId);
    }

    /** One watcher's buffer. */
    public final class Subscription implements AutoCloseable {
        private final String homeId;
        private final BlockingQueue<HomeEvent> buffer;
        private long missed; // guarded by this
        /** The home's last event when it did not fit: a watcher always learns that the home stopped. */
        private volatile HomeEvent last;
        /** Told after each event offered (kept or dropped); for readers that do not wait in {@link #next}. */
        private volatile Runnable onOffer = () -> { };

        private Subscription(String homeId, int capacity) {
            this.homeId = homeId;
            this.buffer = new ArrayBlockingQueue<>(capacity);
        }

        private void offer(HomeEvent e) {
            synchronized (this) {
                if (missed > 0 && buffer.remainingCapacity() > 0) {
                    e = e.withDropped(missed);
                    missed = 0;
                }
                if (!buffer.offer(e)) {
                    if (e.kind() == HomeEvent.Kind.HOME_STOPPED && homeId != null) {
                        last = e.withDropped(missed);
                    } else {
                        missed++;
                    }
                }
            }
            onOffer.run();
        }

        /**
         * Has {@code wake} run after each event offered from now on, on the publisher's thread
         * under the home's lock: it must only hand the work on (to an event loop, an executor).
         */
        public void onOffer(Runnable wake) {
            onOffer = wake;
        }

        /** The next event if one is there, without waiting; null when none is. */
        public HomeEvent poll() {
            HomeEvent e = buffer.poll();
            if (e == null && last != null) {
                e = last;
                last = null;
            }
            return e;
        }

        /** The next event, waiting up to {@code wait}; null when none came. */
        public HomeEvent next(Duration wait) throws InterruptedException {
            if (last == null) {
                HomeEvent e = buffer.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                if (e != null) {
                    return e;
                }
            }
            return poll();
        }

        @Override
        public void close() {
            if (homeId == null) {
                everyHome.remove(this);
                return;
            }
            Home home = homes.get(homeId);
            if (home != null) {
                home.watchers.remove(this);
            }
        }
    }
}
