package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.capabilities.WifiHomes;
import dev.cirque.core.CirqueException;

/**
 * A home's WiFi over HTTP (a cirque-java extension), where the daemon is hwsim's medium:
 * <ul>
 *   <li>{@code GET /wifi/{home}}: access points, stations and what each is associated to
 *       (with the signal it hears), the frames each link passed and lost, the medium's figures;
 *   <li>{@code POST /wifi/{home}/capture/start} and {@code .../capture/stop}, and
 *       {@code GET /wifi/{home}/capture}: a pcap of the home's 802.11 frames (radiotap);
 *   <li>{@code GET /wifi_ssid_psk/{home}?all=true}: every access point's credentials
 *       (without {@code all}, Cirque's answer: the first's {@code [ssid, psk]}).
 * </ul>
 * Link conditions on WiFi go through {@code /links/{home}} with {@code "medium": "wifi"}.
 */
final class WifiRoutes implements MediumRoutes {

    /** The first segment of its routes. */
    static final String ROUTE = "wifi";

    private final WifiHomes wifi;
    private final ObjectMapper json;

    WifiRoutes(WifiHomes wifi, ObjectMapper json) {
        this.wifi = wifi;
        this.json = json;
    }

    @Override
    public JsonNode topology(String home) {
        WifiHomes.Topology t = wifi.topology(home);
        ObjectNode out = json.createObjectNode();
        out.put("home", home);
        out.set("nodes", json.valueToTree(t.nodes()));
        ArrayNode links = out.putArray("links");
        t.links().forEach((link, c) -> links.addObject().put("from", link.from()).put("to", link.to())
                .put("heard", c[0]).put("lost", c[1]));
        out.put("capturing", t.capturing());
        ObjectNode medium = out.putObject("medium");
        medium.put("registered", t.registered());
        medium.set("stats", json.valueToTree(t.medium()));
        return out;
    }

    @Override
    public JsonNode capture(String home, String action) {
        if (!action.equals("start") && !action.equals("stop")) {
            throw CirqueException.notFound("no capture action '" + action + "' (start or stop)");
        }
        return json.valueToTree(wifi.capture(home, action.equals("start")));
    }

    @Override
    public byte[] captured(String home) {
        return wifi.captured(home);
    }

    JsonNode accessPoints(String home) {
        return json.valueToTree(wifi.accessPoints(home));
    }
}
