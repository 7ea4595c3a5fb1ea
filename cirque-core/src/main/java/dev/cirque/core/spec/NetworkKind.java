package dev.cirque.core.spec;

import dev.cirque.core.CirqueException;
import java.util.Arrays;
import java.util.Locale;

/** Which of its home's networks a node joins ({@code docker_network} in Cirque's JSON). */
public enum NetworkKind {
    /** The home's LAN: a bridge; nodes reach each other and the outside through NAT. */
    LAN(""),
    /** The home's internal bridge: nodes on it reach each other only; no route out. */
    INTERNAL("internal"),
    /** A bridge with an IPv6 subnet of the home's own besides IPv4. */
    IPV6("Ipv6"),
    /** An ipvlan network on a host interface (macvlan where the kernel has no ipvlan). */
    IPVLAN("IpvLan");

    private final String wireName;

    NetworkKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name clients use: {@code internal}, {@code Ipv6}, {@code IpvLan}; empty for the LAN. */
    public String wireName() {
        return wireName;
    }

    /** Parses a client's name, any case; empty or null is the LAN. */
    public static NetworkKind fromWireName(String name) {
        if (name == null || name.isBlank()) {
            return LAN;
        }
        return Arrays.stream(values())
                .filter(k -> k != LAN && k.wireName.toLowerCase(Locale.ROOT).equals(name.strip().toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> CirqueException.invalid("unknown docker_network '" + name
                        + "': use internal, Ipv6 or IpvLan, or leave it out for the home's LAN"));
    }
}
