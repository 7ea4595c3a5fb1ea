package dev.cirque.core.link;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A medium's {@link Impairment} for each home, made from the home's seed and made anew each
 * time a seed is set (so that a seed set at any time, the same one again too, replays from there). {@link #of} is for
 * the medium's one deciding thread; {@link #forget} may come from any thread.
 */
public final class HomeImpairments {

    private record Seeded(long seeded, Impairment impairment) {}

    private final Map<String, Seeded> homes = new ConcurrentHashMap<>();

    /** The home's impairment under {@code conditions}' seed. */
    public Impairment of(String homeId, LinkModel.Snapshot conditions) {
        Seeded s = homes.get(homeId);
        if (s == null || s.seeded() != conditions.seeded()) {
            s = new Seeded(conditions.seeded(), Impairment.seeded(conditions.seed()));
            homes.put(homeId, s);
        }
        return s.impairment();
    }

    /** A home that left the medium. */
    public void forget(String homeId) {
        homes.remove(homeId);
    }
}
