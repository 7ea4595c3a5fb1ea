package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ContainerEngine.NetworkConfig;
import dev.cirque.core.host.HostLinks;
import dev.cirque.core.host.SubnetPool;
import dev.cirque.core.recording.Recordings;
import dev.cirque.core.spec.NetworkKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
    private final SubnetPool subnets;
    private final Recordings recordings;
    /** The subnet each network holds, by network id, given back when the network is removed. */
    private final Map<String, SubnetPool.Subnet> held = new ConcurrentHashMap<>();

    HomeNetworks(ContainerEngine engine, HostSettings host, Recordings recordings) {
        this.engine = engine;
        this.recordings = recordings;
        this.host = host;
        this.subnets = pool(host);
        List<String> inRange = subnets.routesInRange();
        if (!inRange.isEmpty()) {
            log.info("home subnets {}: host routes {} fall in it; their /24s are passed over",
                    subnets.ipv4(0), inRange);
        }
    }

    /** The pool the settings name; throws IllegalArgumentException for a bad range. */
    private static SubnetPool pool(HostSettings host) {
        return new SubnetPool(host.setting(SubnetPool.SETTING).orElse(SubnetPool.DEFAULT_IPV4),
                host.setting(SubnetPool.SETTING6).orElse(SubnetPool.DEFAULT_IPV6), host.ledger().allocator());
    }

    /** The LAN of a new home, named {@code cirque-<home>}. */
    HomeNetwork createLan(String homeId) {
        String name = "cirque-" + homeId;
        return recorded(homeId, bridge(NetworkKind.LAN, name, Labels.owned(Labels.home(homeId)), false, false));
    }

    /** Has the home's recording capture a bridge network's frames (other drivers have no host bridge). */
    private HomeNetwork recorded(String homeId, HomeNetwork network) {
        if (network.driver().equals("bridge") && recordings.live(homeId).isPresent()) {
            engine.hostBridge(network.id()).ifPresent(iface -> recordings.captureBridge(homeId, network.name(), iface));
        }
        return network;
    }

    /**
     * A bridge network on a subnet of the daemon's pool. A subnet Docker refuses as
     * overlapping (a network made outside the pool, not routed yet) is kept aside while the
     * next is tried, then given back.
     */
    private HomeNetwork bridge(NetworkKind kind, String name, Map<String, String> labels, boolean internal,
            boolean ipv6) {
        List<SubnetPool.Subnet> refused = new ArrayList<>();
        try {
            for (int attempt = 0; ; attempt++) {
                SubnetPool.Subnet subnet = subnets.take(name);
                try {
                    String id = engine.createNetwork(name, labels, new NetworkConfig("bridge", internal, Map.of(),
                            subnet.ipv4(), "", ipv6 ? subnet.ipv6() : ""));
                    held.put(id, subnet);
                    return new HomeNetwork(kind, id, name, "bridge", "");
                } catch (CirqueException e) {
                    if (!String.valueOf(e.getMessage()).contains("overlaps") || attempt == 16) {
                        subnet.close();
                        throw e;
                    }
                    log.info("network {}: Docker refused {} as overlapping; trying the next", name, subnet.ipv4());
                    refused.add(subnet);
                }
            }
        } finally {
            refused.forEach(SubnetPool.Subnet::close);
        }
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
                case INTERNAL -> bridge(kind, name, labels, true, false);
                case IPV6 -> bridge(kind, name, labels, false, true);
                case IPVLAN -> ipvlan(name, labels);
            };
            home.addNetwork(recorded(home.id(), made));
            log.info("home {}: network {} created ({}{})", home.id(), name, made.driver(),
                    made.note().isEmpty() ? "" : "; " + made.note());
            return made;
        }
    }

    /** Removes every network of a home whose nodes are gone, the LAN last. */
    void removeAll(Home home) {
        for (HomeNetwork network : home.networksForRemoval()) {
            engine.removeNetwork(network.id());
            SubnetPool.Subnet subnet = held.remove(network.id());
            if (subnet != null) {
                subnet.close();
            }
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
}
