package dev.cirque.core.space;

import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkModel.Link;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One home's space: where its nodes are, its walls, its propagation model and each radio's
 * transmit power; from them, the links of every pair of placed radios on a medium. A node
 * without a position is in no link the model makes (everyone hears it, as without a model).
 * Not thread-safe: its home's link lock guards it.
 */
public final class SpaceModel {

    /** A link the model made, and why: the path's loss and the signal heard. */
    public record Modelled(LinkConditions conditions, Propagation.PathLoss path, double rxDbm) {}

    private final Map<String, Position> positions = new LinkedHashMap<>();
    private final Map<String, Double> txPowerDbm = new LinkedHashMap<>();
    private List<Wall> walls = List.of();
    private Propagation propagation = Propagation.DEFAULT;
    private Long seed;
    /** Shadowing drawn per pair of nodes (the pair sorted), kept while the seed stays. */
    private final Map<String, Double> shadowing = new ConcurrentHashMap<>();

    public void place(String node, Position p) {
        positions.put(node, p);
    }

    public void unplace(String node) {
        positions.remove(node);
        txPowerDbm.remove(node);
    }

    public Map<String, Position> positions() {
        return Map.copyOf(positions);
    }

    /** A radio's transmit power in dBm; null: its medium's default. */
    public void txPower(String node, Double dbm) {
        if (dbm == null) {
            txPowerDbm.remove(node);
        } else {
            txPowerDbm.put(node, dbm);
        }
    }

    public void plan(List<Wall> walls, Propagation propagation) {
        this.walls = List.copyOf(walls);
        if (!propagation.equals(this.propagation)) {
            shadowing.clear();
        }
        this.propagation = propagation;
    }

    public List<Wall> walls() {
        return walls;
    }

    public Propagation propagation() {
        return propagation;
    }

    /** The home's seed: shadowing is drawn from it (null: fresh draws). */
    public void seed(Long seed) {
        if (seed == null ? this.seed != null : !seed.equals(this.seed)) {
            shadowing.clear();
        }
        this.seed = seed;
    }

    /** Every directed link between the placed ones of {@code nodes} on a medium of {@code profile}. */
    public Map<Link, Modelled> links(List<String> nodes, RadioProfile profile) {
        List<String> placed = new ArrayList<>(nodes.stream().filter(positions::containsKey).toList());
        Map<Link, Modelled> out = new LinkedHashMap<>();
        for (String from : placed) {
            for (String to : placed) {
                if (from.equals(to)) {
                    continue;
                }
                Propagation.PathLoss path = propagation.loss(positions.get(from), positions.get(to), walls,
                        shadowing(from, to));
                double rx = txPowerDbm.getOrDefault(from, profile.txPowerDbm()) - path.totalDb();
                out.put(new Link(from, to), new Modelled(profile.conditions(rx), path, rx));
            }
        }
        return out;
    }

    private double shadowing(String a, String b) {
        if (propagation.shadowingSigmaDb() == 0) {
            return 0;
        }
        String pair = a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
        return shadowing.computeIfAbsent(pair, k -> {
            Random r = seed == null ? new Random() : new Random(seed * 31 + k.hashCode());
            return r.nextGaussian() * propagation.shadowingSigmaDb();
        });
    }
}
