package dev.cirque.core.link;

import dev.cirque.core.CirqueException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The conditions of one home's links, for every medium alike. Four layers, the most
 * specific winning:
 * <ol>
 *   <li>a partition: a set of nodes cut off from the rest of the home, both ways;
 *   <li>a directed link A→B's own conditions, set by hand;
 *   <li>the link the home's space made (a radio medium's propagation model, from where A and
 *       B are: {@code dev.cirque.core.space}), with why;
 *   <li>A's egress conditions (what Cirque's TrafficControl sets on a node), which also
 *       hold for what A sends beyond the home;
 * </ol>
 * and a perfect link where none is set. Changes are published as immutable
 * {@link Snapshot}s, so media read them on their hot paths without locking.
 */
public final class LinkModel {

    /** A directed link between two nodes of the home. */
    public record Link(String from, String to) {}

    /**
     * A link a model made, and why (say {@code 12.0 m, 1 wall (6 dB), -82 dBm}); the why is
     * written only when asked: a model may make hundreds of thousands of links ten times a second.
     */
    public record Modelled(LinkConditions conditions, java.util.function.Supplier<String> why) {}

    /**
     * The model at one moment.
     *
     * @param seed the home's seed for the media's drop and delay draws ({@link Impairment}),
     *     null for fresh randomness
     * @param seeded the version that set it: each seeding starts the draws anew, the same seed too
     */
    public record Snapshot(long version, Map<String, LinkConditions> egress, Map<Link, LinkConditions> links,
            Map<String, Set<String>> partitions, Long seed, long seeded, Map<Link, Modelled> modelled) {

        public static final Snapshot EMPTY = new Snapshot(0, Map.of(), Map.of(), Map.of(), null, 0, Map.of());

        public Snapshot(long version, Map<String, LinkConditions> egress, Map<Link, LinkConditions> links,
                Map<String, Set<String>> partitions) {
            this(version, egress, links, partitions, null, 0, Map.of());
        }

        /** What {@code from} sends to {@code to} meets; {@code to} null for a destination beyond the home. */
        public LinkConditions effective(String from, String to) {
            if (to != null) {
                for (Set<String> cut : partitions.values()) {
                    if (cut.contains(from) != cut.contains(to)) {
                        return LinkConditions.DOWN;
                    }
                }
                LinkConditions own = links.get(new Link(from, to));
                if (own != null) {
                    return own;
                }
                Modelled made = modelled.get(new Link(from, to));
                if (made != null) {
                    return made.conditions();
                }
            }
            return egress.getOrDefault(from, LinkConditions.IDEAL);
        }

        /** A JSON-friendly rendering: egress by node, links, partitions by name. */
        public Map<String, Object> describe() {
            Map<String, Object> out = new LinkedHashMap<>();
            Map<String, Object> e = new LinkedHashMap<>();
            egress.forEach((node, c) -> e.put(node, describe(c)));
            out.put("egress", e);
            out.put("links", links.entrySet().stream().map(l -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("from", l.getKey().from());
                m.put("to", l.getKey().to());
                m.putAll(describe(l.getValue()));
                return m;
            }).toList());
            Map<String, Object> p = new LinkedHashMap<>();
            partitions.forEach((name, nodes) -> p.put(name, nodes.stream().sorted().toList()));
            out.put("partitions", p);
            if (!modelled.isEmpty()) { // only where a space places nodes
                out.put("modelled", modelled.entrySet().stream().map(l -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("from", l.getKey().from());
                    m.put("to", l.getKey().to());
                    m.putAll(describe(l.getValue().conditions()));
                    m.put("why", l.getValue().why().get());
                    return m;
                }).toList());
            }
            if (seed != null) {
                out.put("seed", seed);
            }
            return out;
        }

        private static Map<String, Object> describe(LinkConditions c) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("latencyMs", c.latencyMs());
            m.put("jitterMs", c.jitterMs());
            m.put("loss", c.lossPercent());
            m.put("down", !c.up());
            if (c.signalDbm() != null) {
                m.put("signalDbm", c.signalDbm());
            }
            return m;
        }

        /** Whether anything {@code from} sends can meet other than a perfect link. */
        public boolean shapes(String from) {
            if (!partitions.isEmpty()) {
                return true;
            }
            LinkConditions e = egress.get(from);
            if (e != null && !e.ideal()) {
                return true;
            }
            return links.entrySet().stream().anyMatch(l -> l.getKey().from().equals(from) && !l.getValue().ideal())
                    || modelled.entrySet().stream().anyMatch(l -> l.getKey().from().equals(from)
                            && !l.getValue().conditions().ideal());
        }
    }

    private final Map<String, LinkConditions> egress = new LinkedHashMap<>();
    private final Map<Link, LinkConditions> links = new LinkedHashMap<>();
    private final Map<String, Set<String>> partitions = new LinkedHashMap<>();
    /** Replaced whole, never changed in place: a snapshot shares it (a model's hundreds of thousands of links). */
    private Map<Link, Modelled> modelled = Map.of();
    private Long seed;
    private long seeded;
    private volatile Snapshot current = Snapshot.EMPTY;

    public Snapshot snapshot() {
        return current;
    }

    /** The seed of the media's drop and delay draws from now on; null: fresh randomness. */
    public synchronized Snapshot seed(Long seed) {
        this.seed = seed;
        this.seeded = current.version() + 1;
        return publish();
    }

    /** A node's egress conditions; {@link LinkConditions#IDEAL} clears them. */
    public synchronized Snapshot setEgress(String node, LinkConditions conditions) {
        if (conditions.ideal()) {
            egress.remove(node);
        } else {
            egress.put(node, conditions);
        }
        return publish();
    }

    /** A directed link's own conditions, overriding its source's egress; empty clears them. */
    public synchronized Snapshot setLink(String from, String to, Optional<LinkConditions> conditions) {
        if (from.equals(to)) {
            throw CirqueException.invalid("a link joins two different nodes; got " + from + " to itself");
        }
        if (conditions.isPresent()) {
            links.put(new Link(from, to), conditions.get());
        } else {
            links.remove(new Link(from, to));
        }
        return publish();
    }

    /** The links a model made, all of them anew (empty: none). */
    public synchronized Snapshot setModelled(Map<Link, Modelled> made) {
        // A HashMap, not Map.copyOf: its open addressing degrades on two-string record keys
        // (600 radios' links took seconds to copy).
        modelled = made.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.HashMap<>(made));
        return publish();
    }

    /** Cuts {@code nodes} off from the rest of the home, both ways, under {@code name}. */
    public synchronized Snapshot partition(String name, Set<String> nodes) {
        if (nodes.isEmpty()) {
            throw CirqueException.invalid("a partition needs at least one node");
        }
        partitions.put(name, Set.copyOf(new LinkedHashSet<>(nodes)));
        return publish();
    }

    /** Heals one partition; false when there is none of that name. */
    public synchronized boolean heal(String name) {
        boolean had = partitions.remove(name) != null;
        publish();
        return had;
    }

    /** Back to perfect links everywhere (egress set by capabilities stays). */
    public synchronized Snapshot clearLinksAndPartitions() {
        links.clear();
        partitions.clear();
        return publish();
    }

    /** Puts back what an earlier snapshot held (a change its medium could not apply). */
    public synchronized Snapshot restore(Snapshot earlier) {
        egress.clear();
        egress.putAll(earlier.egress());
        links.clear();
        links.putAll(earlier.links());
        partitions.clear();
        partitions.putAll(earlier.partitions());
        modelled = earlier.modelled();
        seed = earlier.seed();
        seeded = earlier.seeded();
        return publish();
    }

    /** Forgets a node that left the home. */
    public synchronized Snapshot forget(String node) {
        egress.remove(node);
        links.keySet().removeIf(l -> l.from().equals(node) || l.to().equals(node));
        if (!modelled.isEmpty()) {
            Map<Link, Modelled> rest = new java.util.HashMap<>(modelled);
            rest.keySet().removeIf(l -> l.from().equals(node) || l.to().equals(node));
            modelled = java.util.Collections.unmodifiableMap(rest);
        }
        partitions.replaceAll((name, set) -> {
            Set<String> rest = new LinkedHashSet<>(set);
            rest.remove(node);
            return Set.copyOf(rest);
        });
        partitions.values().removeIf(Set::isEmpty);
        return publish();
    }

    private Snapshot publish() {
        current = new Snapshot(current.version() + 1, Map.copyOf(egress), Map.copyOf(links),
                Map.copyOf(partitions), seed, seeded, modelled);
        return current;
    }
}
