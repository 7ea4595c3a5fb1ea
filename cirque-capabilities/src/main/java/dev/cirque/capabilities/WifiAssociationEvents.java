package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * WiFi associations in the home's event stream (WIFI_ASSOCIATION_CHANGED, from and to: the
 * BSSID a station is associated to, "" when none): asked of each station
 * ({@code iw dev wlan0 link}), as {@link PolledNodeEvents} says.
 */
public final class WifiAssociationEvents extends PolledNodeEvents {

    public static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final Duration ASK = Duration.ofSeconds(10);

    private WifiAssociationEvents(HomeService homes) {
        super(homes, "WIFI_ASSOCIATION_CHANGED", "cirque-wifi-associations", false);
    }

    public static WifiAssociationEvents start(HomeService homes, Duration interval) {
        WifiAssociationEvents events = new WifiAssociationEvents(homes);
        events.start(interval);
        return events;
    }

    @Override
    boolean concerns(Node node) {
        return node.spec().capabilities().stream().anyMatch(c -> c.name().equals(WiFiCapability.NAME));
    }

    @Override
    Optional<String> probe(String home, Node node) {
        try {
            ExecResult r = homes.questions().query(home, node.id(), List.of("iw", "dev", "wlan0", "link"), ASK);
            if (r.exitCode() != 0) {
                return Optional.empty();
            }
            WifiHomes.Link link = WifiHomes.parseLink(r.output());
            return Optional.of(link == null ? "" : link.bssid());
        } catch (CirqueException e) {
            return Optional.empty();
        }
    }
}
