package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.link.LinkModel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The link conditions of homes, per medium, and the media that carry them out. Every
 * change goes to the home's model, then to the medium, which applies it before this
 * returns. Node ids are checked against the home: a link to a node of another home, or to
 * none, is NOT_FOUND and changes nothing.
 */
final class HomeLinks {

    private final Map<String, LinkMedium> media;

    HomeLinks(List<LinkMedium> media) {
        this.media = media.stream().collect(Collectors.toUnmodifiableMap(LinkMedium::name, Function.identity()));
    }

    Set<String> media() {
        return media.keySet();
    }

    /** The medium of that name; FAILED_PRECONDITION when this daemon has none such. */
    LinkMedium medium(String name) {
        LinkMedium m = media.get(name);
        if (m == null) {
            throw CirqueException.precondition("this daemon has no " + name + " medium to shape"
                    + (media.isEmpty() ? " (none could start: see its log at start-up)" : "; it has " + media.keySet()));
        }
        return m;
    }

    /** Attaches a new node to every medium; returns the undo. */
    Runnable attach(Home home, LinkMedium.MediumNode node) {
        for (LinkMedium m : media.values()) {
            m.attach(node, home.links(m.name()).snapshot());
        }
        return () -> {
            for (LinkMedium m : media.values()) {
                LinkModel.Snapshot after = home.links(m.name()).forget(node.nodeId());
                m.detach(node.homeId(), node.nodeId());
                m.apply(node.homeId(), after);
            }
        };
    }

    void setEgress(Home home, String medium, String node, LinkConditions conditions) {
        change(home, medium, model -> model.setEgress(node, conditions));
    }

    void setLink(Home home, String medium, String from, String to, Optional<LinkConditions> conditions) {
        member(home, from);
        member(home, to);
        change(home, medium, model -> model.setLink(from, to, conditions));
    }

    void partition(Home home, String medium, String name, Set<String> nodes) {
        nodes.forEach(n -> member(home, n));
        change(home, medium, model -> model.partition(name, nodes));
    }

    boolean heal(Home home, String medium, String name) {
        boolean[] had = new boolean[1];
        change(home, medium, model -> {
            had[0] = model.heal(name);
            return model.snapshot();
        });
        return had[0];
    }

    void clear(Home home, String medium) {
        change(home, medium, LinkModel::clearLinksAndPartitions);
    }

    /**
     * Changes the home's model and has the medium apply it; if the medium cannot (a node it
     * cannot shape), the model goes back to what it was: nothing is applied half-way.
     */
    private void change(Home home, String medium, Function<LinkModel, LinkModel.Snapshot> edit) {
        LinkMedium m = medium(medium);
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

    LinkModel.Snapshot read(Home home, String medium) {
        medium(medium);
        return home.links(medium).snapshot();
    }

    private static void member(Home home, String node) {
        if (node == null || home.node(node).isEmpty()) {
            throw CirqueException.notFound("no device with id '" + node + "' in home " + home.id());
        }
    }
}
