package dev.cirque.core.home;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Deaths of this daemon's containers that no node claimed when the engine told of them: a
 * node's container can die between its start and the node taking its place in its home, and
 * the node must still end up exited. Bounded (the oldest go first): most unclaimed deaths are
 * of containers removed on purpose, which nobody will ask for.
 */
final class UnclaimedDeaths {

    /** How a container died. */
    record Death(int exitCode, Instant at) {}

    private static final int KEPT = 256;

    private final Map<String, Death> deaths = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Death> eldest) {
            return size() > KEPT;
        }
    };

    /** Notes a death; callers hold this object's lock while they look for a node to claim it first. */
    synchronized void note(String containerId, int exitCode, Instant at) {
        deaths.put(containerId, new Death(exitCode, at));
    }

    /** The death of a container, taken out: what a node that just took its place claims. */
    synchronized Optional<Death> claim(String containerId) {
        return Optional.ofNullable(deaths.remove(containerId));
    }
}
