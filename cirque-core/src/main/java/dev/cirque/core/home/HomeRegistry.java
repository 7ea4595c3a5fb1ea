package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live homes by id, and the cap on how many there may be. A home is counted from the
 * moment its creation is reserved, so concurrent creations cannot together pass the cap.
 * Reads never wait on a creation or a teardown. Spare homes (made ahead, see
 * {@link WarmHomes}) count towards the cap but are nobody's to see until handed out.
 */
final class HomeRegistry {

    private final Map<String, Home> homes = new ConcurrentHashMap<>();
    private final Set<String> spares = ConcurrentHashMap.newKeySet();
    private final int maxHomes;
    private int reserved;

    HomeRegistry(int maxHomes) {
        this.maxHomes = maxHomes;
    }

    /** Counts a home about to be made; RESOURCE_EXHAUSTED past the cap. */
    synchronized void reserve() {
        int live = homes.size() + reserved;
        if (live >= maxHomes) {
            throw new CirqueException(Kind.RESOURCE_EXHAUSTED, "this daemon already runs " + live
                    + " homes, its limit (--max-homes); stop one first");
        }
        reserved++;
    }

    /** Turns a reservation into a live home; a spare one is hidden until {@link #handOut}. */
    synchronized void add(Home home, boolean spare) {
        reserved--;
        if (spare) {
            spares.add(home.id());
        }
        homes.put(home.id(), home);
    }

    /** Makes a spare home an ordinary, visible one. */
    void handOut(String homeId) {
        spares.remove(homeId);
    }

    boolean isSpare(String homeId) {
        return spares.contains(homeId);
    }

    /** Lists again a home whose teardown failed half way, so it can be seen and stopped again. */
    synchronized void putBack(Home home) {
        homes.putIfAbsent(home.id(), home);
    }

    /** Gives a reservation back: the home could not be made. */
    synchronized void cancel() {
        reserved--;
    }

    /** The home, spare or not, while it is registered. */
    Optional<Home> find(String homeId) {
        return Optional.ofNullable(homeId == null ? null : homes.get(homeId));
    }

    Home get(String homeId) {
        Home home = homeId == null ? null : homes.get(homeId);
        if (home == null || spares.contains(homeId)) {
            throw CirqueException.notFound("no home with id '" + homeId + "'");
        }
        return home;
    }

    /**
     * Takes a home out of the registry, for teardown, closed to new nodes in the same step: a
     * creation that ends after the home left the registry can then never join it (it did,
     * when the stop's thread was slow to close the home: the client got a node already gone).
     */
    synchronized Optional<Home> remove(String homeId) {
        spares.remove(homeId == null ? "" : homeId);
        Home home = homes.remove(homeId == null ? "" : homeId);
        if (home != null) {
            home.close();
        }
        return Optional.ofNullable(home);
    }

    /** The live homes, oldest first (spares not among them). */
    List<Home> all() {
        return homes.values().stream().filter(h -> !spares.contains(h.id()))
                .sorted(Comparator.comparing(Home::createdAt)).toList();
    }

    /** Every home's id, spares too (for shutdown). */
    List<String> ids() {
        return List.copyOf(homes.keySet());
    }
}
