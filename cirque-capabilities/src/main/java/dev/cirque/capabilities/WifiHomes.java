package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CaptureCalls;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.core.link.LinkModel;
import dev.cirque.sim.wifi.HwsimMedium;
import dev.cirque.sim.wifi.Mac;
import dev.cirque.sim.wifi.WifiAir;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the fronts ask of a home's WiFi: its access points and stations and what each station
 * is associated to (asked of the station: {@code iw dev wlan0 link}), the frames each link
 * passed and lost, a capture of its 802.11 frames, every access point's credentials. A
 * daemon without the WiFi medium (no mac80211_hwsim) answers FAILED_PRECONDITION, except for
 * the credentials, which need no medium.
 */
public final class WifiHomes {

    /** One WiFi node as the topology shows it; a station's association fields are empty when it has none. */
    public record WifiNode(String device, String role, String mac, String ssid, String associatedTo, String bssid,
            Integer signalDbm, String error) {}

    public record AccessPoint(String device, String ssid, String psk, String subnet, int channel) {}

    public record Topology(List<WifiNode> nodes, Map<LinkModel.Link, long[]> links, boolean capturing,
            HwsimMedium.Stats medium, boolean registered) {}


    private static final Duration ASK = Duration.ofSeconds(10);

    private final HomeService homes;

    public WifiHomes(HomeService homes) {
        this.homes = homes;
    }

    public Topology topology(String home) {
        HwsimMedium medium = medium();
        List<WifiNode> out = new ArrayList<>();
        for (Node n : homes.nodes(home)) {
            Map<String, Map<String, Object>> caps = n.capabilityDescriptions();
            if (caps.containsKey(WiFiAccessPointCapability.NAME)) {
                Map<String, Object> d = caps.get(WiFiAccessPointCapability.NAME);
                out.add(new WifiNode(n.id(), "access_point", String.valueOf(d.get("mac")), String.valueOf(d.get("ssid")),
                        "", "", null, null));
            } else if (caps.containsKey(WiFiCapability.NAME)) {
                out.add(station(medium, home, n, String.valueOf(caps.get(WiFiCapability.NAME).get("mac"))));
            }
        }
        HwsimMedium.Stats stats = medium.stats();
        return new Topology(out, medium.linkCounts(home), medium.capturing(home), stats, medium.registered());
    }

    private WifiNode station(HwsimMedium medium, String home, Node n, String mac) {
        ExecResult r;
        try {
            r = homes.questions().query(home, n.id(), List.of("iw", "dev", "wlan0", "link"), ASK);
        } catch (CirqueException e) {
            return new WifiNode(n.id(), "station", mac, "", "", "", null, e.getMessage());
        }
        if (r.exitCode() != 0) {
            return new WifiNode(n.id(), "station", mac, "", "", "", null, "iw dev wlan0 link exited " + r.exitCode()
                    + ": " + r.output().strip());
        }
        Link link = parseLink(r.output());
        if (link == null) {
            return new WifiNode(n.id(), "station", mac, "", "", "", null, null);
        }
        long bssid = Mac.parse(link.bssid());
        String ap = bssid < 0 ? "" : medium.station(bssid).filter(s -> s.homeId().equals(home))
                .map(WifiAir.Station::nodeId).orElse("");
        return new WifiNode(n.id(), "station", mac, link.ssid(), ap, link.bssid(), link.signalDbm(), null);
    }

    /** A station's association as {@code iw dev wlan0 link} prints it; null for "Not connected". */
    record Link(String bssid, String ssid, Integer signalDbm) {}

    static Link parseLink(String out) {
        String bssid = null;
        String ssid = "";
        Integer signal = null;
        for (String line : out.lines().map(String::strip).toList()) {
            if (line.startsWith("Connected to ")) {
                String rest = line.substring("Connected to ".length());
                bssid = rest.contains(" ") ? rest.substring(0, rest.indexOf(' ')) : rest;
            } else if (line.startsWith("SSID:")) {
                ssid = line.substring(5).strip();
            } else if (line.startsWith("signal:")) {
                String v = line.substring(7).strip().split(" ")[0];
                try {
                    signal = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    signal = null;
                }
            }
        }
        return bssid == null ? null : new Link(bssid, ssid, signal);
    }

    /** Every access point of the home, in its order of creation: what /wifi_ssid_psk tells of the first. */
    public List<AccessPoint> accessPoints(String home) {
        List<AccessPoint> out = new ArrayList<>();
        for (Node n : homes.nodes(home)) {
            Map<String, Object> d = n.capabilityDescriptions().get(WiFiAccessPointCapability.NAME);
            if (d != null) {
                out.add(new AccessPoint(n.id(), String.valueOf(d.get("ssid")), String.valueOf(d.get("psk")),
                        String.valueOf(d.get("subnet")), d.get("channel") instanceof Integer c ? c : 0));
            }
        }
        return out;
    }

    public CaptureState capture(String home, boolean start) {
        HwsimMedium medium = medium();
        homes.home(home);
        return CaptureCalls.set(medium, home, start, "/wifi/" + home + "/capture");
    }

    /** The capture's bytes, while it runs too. */
    public byte[] captured(String home) {
        HwsimMedium medium = medium();
        homes.home(home);
        return CaptureCalls.read(medium, home, "POST /wifi/" + home + "/capture/start, SetWifiCapture");
    }

    private HwsimMedium medium() {
        Optional<HwsimMedium> m = homes.links().find(HwsimMedium.NAME).map(HwsimMedium.class::cast);
        return m.orElseThrow(() -> CirqueException.precondition("this daemon has no WiFi medium: the kernel has no"
                + " mac80211_hwsim (" + dev.cirque.sim.wifi.Hwsim.HOW_TO_GET_IT + ")"));
    }
}
