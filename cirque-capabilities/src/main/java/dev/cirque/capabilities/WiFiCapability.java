package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.sim.wifi.Hwsim;
import dev.cirque.sim.wifi.Radio;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code WiFi}: a WiFi station. The node gets its own simulated radio (mac80211_hwsim) as
 * {@code wlan0}, NET_ADMIN and NET_RAW, and a {@code wpa_supplicant.conf} with a control
 * interface, so the usual client flow works unchanged:
 * <pre>
 * wpa_passphrase SSID PSK >> /etc/wpa_supplicant/wpa_supplicant.conf
 * wpa_supplicant -B -i wlan0 -c /etc/wpa_supplicant/wpa_supplicant.conf
 * dhclient wlan0
 * </pre>
 * The radio is deleted when the node stops.
 */
public final class WiFiCapability implements CapabilityProvider {

    public static final String NAME = "WiFi";
    public static final String CONF = "/etc/wpa_supplicant/wpa_supplicant.conf";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("wifi_capability");
    }

    /** The WiFi medium (access points' radios are on it too), where the kernel has hwsim. */
    @Override
    public List<LinkMedium> media() {
        return WifiRadios.media();
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        if (node.capabilities().stream().anyMatch(c -> c.name().equals(WiFiAccessPointCapability.NAME))) {
            throw CirqueException.invalid("WiFi capability: an access point (" + WiFiAccessPointCapability.DEVICE_TYPE
                    + ") has a radio of its own; ask for WiFi on stations only");
        }
        return new Station(WifiRadios.get(NAME));
    }

    private static final class Station extends NamedCapability {
        private final Hwsim hwsim;
        private volatile Radio radio;

        Station(Hwsim hwsim) {
            super(NAME);
            this.hwsim = hwsim;
        }

        @Override
        public void prepare(PrepareContext node) throws Exception {
            radio = WifiRadios.create(hwsim, node);
        }

        @Override
        public void contribute(ContainerPlan plan) {
            plan.addLinuxCapability("NET_ADMIN").addLinuxCapability("NET_RAW");
        }

        @Override
        public void enable(NodeContext node) throws Exception {
            // The control interface lets wpa_cli (and test harnesses) drive the supplicant.
            String conf = "ctrl_interface=DIR=/run/wpa_supplicant GROUP=root\nupdate_config=1\n";
            WifiRadios.install(hwsim, radio, node,
                    "mkdir -p \"$(dirname \"$1\")\"\nprintf '%s' \"$2\" > \"$1\"\n", List.of(CONF, conf));
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("interface", "wlan0");
            d.put("radio", radio.phy());
            d.put("radio_id", radio.id());
            d.put("mac", radio == null ? "" : dev.cirque.sim.wifi.Mac.format(radio.mac()));
            d.put("wpa_supplicant_conf", CONF);
            return d;
        }
    }
}
