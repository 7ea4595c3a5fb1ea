package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ContainerEngine.NetworkConfig;
import dev.cirque.core.host.HostLinks;
import dev.cirque.core.spec.NetworkKind;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a home's networks are made and removed: its LAN with the home, the others
 * (internal, IPv6, IpvLan with its macvlan fallback) the first time a node asks for one,
 * and all of them, LAN last, when the home goes.
 */
final class HomeNetworks {

    private static final Logger log = LoggerFactory.getLogger(HomeNetworks.class);

    private final ContainerEngine engine;
    private final HostSettings host;

    HomeNetworks(ContainerEngine engine, HostSettings host) {
        this.engine = engine;
        this.host = host;
    }

    /** The LAN of a new home, named {@code cirque-<home>}. */
    HomeNetwork createLan(String homeId) {
        String name = "cirque-" + homeId;
        String id = engine.createNetwork(name, Labels.owned(Labels.home(homeId)), NetworkConfig.bridge());
        return new HomeNetwork(NetworkKind.LAN, id, name, "bridge", "");
    }

    /**
     * The home's network of that kind, made the first time a node asks for it. Made under a
     * lock of its own, not the home's: listing and querying the home never wait for Docker.
     */
    HomeNetwork forNode(Home home, NetworkKind kind) {
        synchronized (home.networkLock()) {
            Optional<HomeNetwork> existing = home.network(kind);
            if (existing.isPresent()) {
                return existing.get();
            }
            String name = "cirque-" + home.id() + "-" + kind.wireName().toLowerCase(Locale.ROOT);
            Map<String, String> labels = Labels.owned(Labels.home(home.id()));
            HomeNetwork made = switch (kind) {
                case LAN -> throw new IllegalStateException("every home has its LAN");
                case INTERNAL -> new HomeNetwork(kind, engine.createNetwork(name, labels,
                        new NetworkConfig("bridge", true, Map.of(), "", "", "")), name, "bridge", "");
                case IPV6 -> new HomeNetwork(kind, engine.createNetwork(name, labels,
                        new NetworkConfig("bridge", false, Map.of(), "", "", ula(home.id()))), name, "bridge", "");
                case IPVLAN -> ipvlan(name, labels);
            };
            home.addNetwork(made);
            log.info("home {}: network {} created ({}{})", home.id(), name, made.driver(),
                    made.note().isEmpty() ? "" : "; " + made.note());
            return made;
        }
    }

    /** Removes every network of a home whose nodes are gone, the LAN last. */
    void removeAll(Home home) {
        for (HomeNetwork network : home.networksForRemoval()) {
            engine.removeNetwork(network.id());
        }
    }

    /** An ipvlan network on the configured host interface, or macvlan where the kernel has no ipvlan. */
    private HomeNetwork ipvlan(String name, Map<String, String> labels) {
        String parent = host.setting("ipvlan.parent").orElseGet(HostLinks::defaultRouteInterface);
        String subnet = host.setting("ipvlan.subnet").orElse("");
        String gateway = host.setting("ipvlan.gateway").orElse("");
        Optional<String> noIpvlan = HostLinks.probe("ipvlan", parent, "mode", "l2");
        if (noIpvlan.isEmpty()) {
            return new HomeNetwork(NetworkKind.IPVLAN, engine.createNetwork(name, labels,
                    new NetworkConfig("ipvlan", false, Map.of("parent", parent, "ipvlan_mode", "l2"), subnet, gateway,
                            "")), name, "ipvlan", "");
        }
        Optional<String> noMacvlan = HostLinks.probe("macvlan", parent, "mode", "bridge");
        if (noMacvlan.isPresent()) {
            throw CirqueException.precondition("IpvLan needs ipvlan or macvlan links on " + parent + "; this kernel"
                    + " has neither (ipvlan: " + noIpvlan.get() + "; macvlan: " + noMacvlan.get() + ")");
        }
        String note = "this kernel has no ipvlan (" + noIpvlan.get() + "); macvlan on " + parent + " instead";
        return new HomeNetwork(NetworkKind.IPVLAN, engine.createNetwork(name, labels,
                new NetworkConfig("macvlan", false, Map.of("parent", parent, "macvlan_mode", "bridge"), subnet, gateway,
                        "")), name, "macvlan", note);
    }

    /** A unique-local /64 of the home's own, from its id: fdXX:XXXX:XXXX::/64. */
    static String ula(String homeId) {
        String hex = homeId.replace("-", "");
        return "fd" + hex.substring(0, 2) + ":" + hex.substring(2, 6) + ":" + hex.substring(6, 10) + "::/64";
    }
}
