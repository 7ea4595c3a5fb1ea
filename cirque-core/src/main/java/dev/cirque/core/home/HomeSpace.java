package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.space.Position;
import dev.cirque.core.space.Propagation;
import dev.cirque.core.space.RadioProfile;
import dev.cirque.core.space.SpaceModel;
import dev.cirque.core.space.Wall;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Homes in space, the operations every front calls: a node's position and transmit power, a
 * home's walls and propagation model; after each, every radio medium's links between placed
 * nodes are made anew from the model ({@link SpaceModel}) and applied before the call
 * returns. Links set by hand still win over them (see {@link LinkModel}). Unknown homes and
 * nodes are NOT_FOUND and change nothing.
 */
public final class HomeSpace {

    /**
     * A home's space as the fronts show it: positions of its nodes, walls, the model, and each
     * radio medium's modelled links with why.
     */
    public record View(Map<String, Position> positions, List<Wall> walls, Propagation propagation,
            Map<String, Map<LinkModel.Link, LinkModel.Modelled>> links) {}

    private final Function<String, Home> homes;
    private final HomeLinks links;

    HomeSpace(Function<String, Home> homes, HomeLinks links) {
        this.homes = homes;
        this.links = links;
    }

    /** Places a node ({@code position} null: takes it out of the space); the space after. */
    public View place(String homeId, String node, Position position) {
        Home home = homes.apply(homeId);
        HomeLinks.member(home, node);
        synchronized (home.space()) {
            if (position == null) {
                home.space().unplace(node);
            } else {
                home.space().place(node, position);
            }
            return remodel(home);
        }
    }

    /** A node's transmit power on every radio medium, in dBm (-40..30); null: each medium's own. */
    public View txPower(String homeId, String node, Double dbm) {
        if (dbm != null && !(dbm >= -40 && dbm <= 30)) {
            throw CirqueException.invalid("tx_power_dbm is -40..30, got " + dbm);
        }
        Home home = homes.apply(homeId);
        HomeLinks.member(home, node);
        synchronized (home.space()) {
            home.space().txPower(node, dbm);
            return remodel(home);
        }
    }

    /** The home's walls and propagation model, both replaced. */
    public View plan(String homeId, List<Wall> walls, Propagation propagation) {
        Home home = homes.apply(homeId);
        synchronized (home.space()) {
            home.space().plan(walls, propagation);
            return remodel(home);
        }
    }

    /** The space as it is: positions, walls, the model, and each radio medium's modelled links with why. */
    public View describe(String homeId) {
        Home home = homes.apply(homeId);
        synchronized (home.space()) {
            return describe(home);
        }
    }

    private View remodel(Home home) {
        SpaceModel space = home.space();
        List<String> nodes = home.nodes().stream().map(Node::id).toList();
        for (Map.Entry<String, Optional<RadioProfile>> m : links.radios().entrySet()) {
            if (m.getValue().isEmpty()) {
                continue;
            }
            space.seed(home.links(m.getKey()).snapshot().seed());
            Map<LinkModel.Link, LinkModel.Modelled> made = new LinkedHashMap<>();
            space.links(nodes, m.getValue().get()).forEach((link, why) -> made.put(link,
                    new LinkModel.Modelled(why.conditions(), () -> why(why))));
            links.model(home, m.getKey(), made);
        }
        return describe(home);
    }

    private View describe(Home home) {
        SpaceModel space = home.space();
        Map<String, Position> placed = new LinkedHashMap<>();
        space.positions().forEach((node, p) -> {
            if (home.node(node).isPresent()) {
                placed.put(node, p);
            }
        });
        Map<String, Map<LinkModel.Link, LinkModel.Modelled>> media = new LinkedHashMap<>();
        links.radios().forEach((name, radio) -> radio.ifPresent(r -> media.put(name, home.links(name).snapshot()
                .modelled())));
        return new View(placed, space.walls(), space.propagation(), media);
    }

    /** Why the model made a link: {@code 12.0 m, 1 wall (6 dB), -82.3 dBm}. */
    private static String why(SpaceModel.Modelled m) {
        return String.format(Locale.ROOT, "%.1f m, %d wall%s (%.0f dB)%s, %.1f dBm", m.path().distanceM(),
                m.path().walls(), m.path().walls() == 1 ? "" : "s", m.path().wallsDb(),
                m.path().shadowingDb() == 0 ? "" : String.format(Locale.ROOT, ", shadowing %+.1f dB",
                        m.path().shadowingDb()), m.rxDbm());
    }
}
