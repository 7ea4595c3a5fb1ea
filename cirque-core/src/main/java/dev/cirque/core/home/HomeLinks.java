package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.link.LinkModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The link conditions of homes, per medium ({@code ip}, ...), and the media that carry them
 * out. Every change goes to the home's model, then to the medium, which applies it before
 * the call returns; if it cannot, the model goes back as it was. Homes and nodes are
 * checked first: an unknown one, or a node of another home, is NOT_FOUND and changes
 * nothing.
 */
public final class HomeLinks {

    /** The medium when the client names none. */
    public static final String DEFAULT_MEDIUM = "ip";

    private final Map<String, LinkMedium> media;
    private final Function<String, Home> homes;
    /** Told of each change made (home id, what changed). */
    private final java.util.function.BiConsumer<String, Map<String, String>> changed;
    private final HomeSpace space;

    HomeLinks(List<LinkMedium> media, Function<String, Home> homes,
            java.util.function.BiConsumer<String, Map<String, String>> changed) {
        // In the order given: a node goes on the media in that order (IP first), and off them likewise.
        this.media = Collections.unmodifiableMap(media.stream().collect(Collectors.toMap(LinkMedium::name,
                Function.identity(), (a, b) -> {
                    throw new IllegalArgumentException("two media named " + a.name());
                }, LinkedHashMap::new)));
        this.homes = homes;
        this.changed = changed;
        this.space = new HomeSpace(homes, this);
    }

    /** Where the homes' nodes are, from which the radio media's links are made. */
    public HomeSpace space() {
        return space;
    }

    /** The medium a client means: {@link #DEFAULT_MEDIUM} when it names none. */
    public static String medium(String asked) {
        return asked == null || asked.isBlank() ? DEFAULT_MEDIUM : asked.strip();
    }

    // --- the operations every front calls, with their rules -----------------------------

    /**
     * Sets or clears ({@code conditions} empty) what {@code from} sends meets: to {@code to}
     * (and back, {@code bothWays}), or, without {@code to}, to anyone without a link of its
     * own (its egress). Answers the medium's state after.
     */
    public LinkModel.Snapshot set(String homeId, String medium, String from, String to,
            Optional<LinkConditions> conditions, boolean bothWays) {
        String m = medium(medium);
        if (from == null || from.isEmpty()) {
            throw CirqueException.invalid("from_device_id is required: the node that sends");
        }
        if (to == null || to.isEmpty()) {
            if (bothWays) {
                throw CirqueException.invalid("both_ways needs to_device_id: a node's egress has one way only");
            }
            setEgress(homeId, m, from, conditions.orElse(LinkConditions.IDEAL));
        } else {
            Home home = homes.apply(homeId);
            member(home, to); // both ends checked before anything changes
            member(home, from);
            setLink(homeId, m, from, to, conditions);
            if (bothWays) {
                setLink(homeId, m, to, from, conditions);
            }
        }
        return read(homeId, m);
    }

    /** Cuts {@code nodes} off under {@code name} (see {@link #partition(String, String, String, Set)}); the state after. */
    public LinkModel.Snapshot cut(String homeId, String medium, String name, Set<String> nodes) {
        String m = medium(medium);
        if (name == null || name.isBlank()) {
            throw CirqueException.invalid("a partition needs a name, to heal it by");
        }
        partition(homeId, m, name, nodes);
        return read(homeId, m);
    }

    /** Heals the partition {@code name}, or every partition and link without a name; the state after. */
    public LinkModel.Snapshot healed(String homeId, String medium, String name) {
        String m = medium(medium);
        if (name == null || name.isEmpty()) {
            clear(homeId, m);
        } else if (!heal(homeId, m, name)) {
            throw CirqueException.notFound("no partition '" + name + "' in home " + homeId);
        }
        return read(homeId, m);
    }

    /** Seeds every medium's draws (see {@link #seed}); the state of {@link #DEFAULT_MEDIUM} after. */
    public LinkModel.Snapshot seeded(String homeId, Long seed) {
        seed(homeId, seed);
        return read(homeId, DEFAULT_MEDIUM);
    }

    /** The media whose links this daemon shapes. */
    public Set<String> media() {
        return media.keySet();
    }

    /** A home's conditions on a medium. */
    public LinkModel.Snapshot read(String homeId, String medium) {
        Home home = homes.apply(homeId);
        String m = medium(medium);
        shaper(m);
        return home.links(m).snapshot();
    }

    /** A node's default conditions for what it sends ({@link LinkConditions#IDEAL} clears them). */
    public void setEgress(String homeId, String medium, String node, LinkConditions conditions) {
        Home home = homes.apply(homeId);
        member(home, node);
        setEgress(home, medium, node, conditions);
        changed.accept(homeId, Map.of("medium", medium, "change", "egress", "from", node));
    }

    /** A directed link's own conditions; empty clears them. */
    public void setLink(String homeId, String medium, String from, String to, Optional<LinkConditions> conditions) {
        setLink(homes.apply(homeId), medium, from, to, conditions);
        changed.accept(homeId, Map.of("medium", medium, "change", conditions.isPresent() ? "link" : "link cleared",
                "from", from, "to", to));
    }

    /** Cuts {@code nodes} off from the rest of their home, both ways, until healed. */
    public void partition(String homeId, String medium, String name, Set<String> nodes) {
        partition(homes.apply(homeId), medium, name, nodes);
        changed.accept(homeId, Map.of("medium", medium, "change", "partition", "name", name));
    }

    /** Heals a partition; false when there was none of that name. */
    public boolean heal(String homeId, String medium, String name) {
        boolean healed = heal(homes.apply(homeId), medium, name);
        if (healed) {
            changed.accept(homeId, Map.of("medium", medium, "change", "heal", "name", name));
        }
        return healed;
    }

    /** Every link and partition of the home cleared (nodes' egress stays). */
    public void clear(String homeId, String medium) {
        clear(homes.apply(homeId), medium);
        changed.accept(homeId, Map.of("medium", medium, "change", "clear"));
    }

    /**
     * Seeds every medium's drop and delay draws for the home (null: fresh randomness): from
     * here on the same frames meet the same decisions.
     */
    public void seed(String homeId, Long seed) {
        Home home = homes.apply(homeId);
        for (String m : media.keySet()) {
            change(home, m, model -> model.seed(seed));
        }
        changed.accept(homeId, Map.of("change", seed == null ? "unseeded" : "seeded", "seed", String.valueOf(seed)));
    }

    /** The links the home's space made on a medium, all of them anew; applied before this returns. */
    void model(Home home, String medium, Map<LinkModel.Link, LinkModel.Modelled> made) {
        change(home, medium, model -> model.setModelled(made));
        changed.accept(home.id(), Map.of("change", "modelled", "medium", medium));
    }

    /** The media and the radio each has, for the home's space. */
    Map<String, Optional<dev.cirque.core.space.RadioProfile>> radios() {
        Map<String, Optional<dev.cirque.core.space.RadioProfile>> out = new LinkedHashMap<>();
        media.forEach((name, m) -> out.put(name, m.radio()));
        return out;
    }

    /** The medium of that name, with its own calls (a Thread capture, say); empty when this daemon has none such. */
    public Optional<LinkMedium> find(String name) {
        return Optional.ofNullable(media.get(name));
    }

    /** The medium of that name; FAILED_PRECONDITION when this daemon has none such. */
    LinkMedium shaper(String name) {
        LinkMedium m = media.get(name);
        if (m == null) {
            throw CirqueException.precondition("this daemon has no " + name + " medium to shape"
                    + (media.isEmpty() ? " (none could start: see its log at start-up)" : "; it has "
                            + new java.util.TreeSet<>(media.keySet())));
        }
        return m;
    }

    /**
     * Attaches a node's run to every medium, under the home's conditions; returns the undo. The
     * undo forgets the node's conditions only when the node has left the home: a node powered
     * off keeps them for its next run.
     */
    Runnable attach(Home home, LinkMedium.MediumNode node) {
        List<LinkMedium> attached = new ArrayList<>();
        try {
            for (LinkMedium m : media.values()) {
                m.attach(node, home.links(m.name()).snapshot());
                attached.add(m);
            }
        } catch (RuntimeException e) {
            try {
                detach(home, node, attached);
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        return () -> detach(home, node, attached);
    }

    /** Off every medium it was put on, each whatever the others do; the first failure is thrown after. */
    private void detach(Home home, LinkMedium.MediumNode node, List<LinkMedium> attached) {
        boolean removed = home.node(node.nodeId()).isEmpty();
        RuntimeException first = null;
        for (LinkMedium m : attached) {
            try {
                m.detach(node.homeId(), node.nodeId());
                if (removed) {
                    m.apply(node.homeId(), home.links(m.name()).forget(node.nodeId()));
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    void setEgress(Home home, String medium, String node, LinkConditions conditions) {
        change(home, medium, model -> model.setEgress(node, conditions));
    }

    private void setLink(Home home, String medium, String from, String to, Optional<LinkConditions> conditions) {
        member(home, from);
        member(home, to);
        change(home, medium, model -> model.setLink(from, to, conditions));
    }

    private void partition(Home home, String medium, String name, Set<String> nodes) {
        nodes.forEach(n -> member(home, n));
        change(home, medium, model -> model.partition(name, nodes));
    }

    private boolean heal(Home home, String medium, String name) {
        boolean[] had = new boolean[1];
        change(home, medium, model -> {
            had[0] = model.heal(name);
            return model.snapshot();
        });
        return had[0];
    }

    private void clear(Home home, String medium) {
        change(home, medium, LinkModel::clearLinksAndPartitions);
    }

    /**
     * Changes the home's model and has the medium apply it; if the medium cannot (a node it
     * cannot shape), the model goes back to what it was: nothing is applied half-way.
     */
    private void change(Home home, String medium, Function<LinkModel, LinkModel.Snapshot> edit) {
        LinkMedium m = shaper(medium);
        LinkModel model = home.links(medium);
        synchronized (model) {
            LinkModel.Snapshot before = model.snapshot();
            LinkModel.Snapshot after = edit.apply(model);
            try {
                m.apply(home.id(), after);
            } catch (RuntimeException e) {
                model.restore(before);
                m.apply(home.id(), model.snapshot());
                throw e;
            }
        }
    }

    /** NOT_FOUND unless {@code node} is a node of {@code home}. */
    static void member(Home home, String node) {
        if (node == null || home.node(node).isEmpty()) {
            throw CirqueException.notFound("no device with id '" + node + "' in home " + home.id());
        }
    }
}
