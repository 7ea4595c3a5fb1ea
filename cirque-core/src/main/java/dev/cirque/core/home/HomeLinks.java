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
        LinkMedium m = medium(medium);
        m.apply(home.id(), home.links(medium).setEgress(node, conditions));
    }

    void setLink(Home home, String medium, String from, String to, Optional<LinkConditions> conditions) {
        LinkMedium m = medium(medium);
        member(home, from);
        member(home, to);
        m.apply(home.id(), home.links(medium).setLink(from, to, conditions));
    }

    void partition(Home home, String medium, String name, Set<String> nodes) {
        LinkMedium m = medium(medium);
        nodes.forEach(n -> member(home, n));
        m.apply(home.id(), home.links(medium).partition(name, nodes));
    }

    boolean heal(Home home, String medium, String name) {
        LinkMedium m = medium(medium);
        boolean had = home.links(medium).heal(name);
        m.apply(home.id(), home.links(medium).snapshot());
        return had;
    }

    void clear(Home home, String medium) {
        LinkMedium m = medium(medium);
        m.apply(home.id(), home.links(medium).clearLinksAndPartitions());
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
