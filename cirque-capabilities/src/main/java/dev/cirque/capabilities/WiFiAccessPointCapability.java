package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.host.HostAllocator;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.sim.wifi.Hwsim;
import dev.cirque.sim.wifi.Radio;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code WiFiAccessPoint}: what a {@code wifi_ap} node is. The node gets its own radio as
 * {@code wlan0}; the daemon writes and starts hostapd (nl80211, WPA2-PSK) and dnsmasq
 * (DHCP on a subnet of its own, {@code 10.99.N.0/24} leased from the host allocator so that
 * no two APs on the host share one, the AP at {@code .1}) and NATs what
 * comes from {@code wlan0} out to the node's network (the home LAN). SSID and PSK are the
 * client's or generated; either way they are in the description.
 */
public final class WiFiAccessPointCapability implements CapabilityProvider {

    public static final String NAME = "WiFiAccessPoint";
    /** Cirque's device type of an access point: it implies this capability. */
    public static final String DEVICE_TYPE = "wifi_ap";
    /** The image an access point runs when the client names none (Cirque's name for it). */
    public static final String IMAGE = "mac80211_ap_image";

    /** Subnets handed to access points: 10.99.N.0/24, N = 0..255, none shared by two live APs. */
    static final String SUBNET_PREFIX = "10.99.";
    private static final int[] CHANNELS = {1, 6, 11};
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The host-wide pool of access point subnets, shared by every daemon on the host. */
    static final String SUBNETS = "wifi-ap-subnet";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("wifi_ap_capability")
                .json(JsonKey.string("ssid", "ssid").onlyWithItsCapability(),
                        JsonKey.string("psk", "psk").onlyWithItsCapability())
                .impliedByDeviceType(DEVICE_TYPE, IMAGE);
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        String ssid = request.string("ssid", "");
        String psk = request.string("psk", "");
        if (ssid.isEmpty()) {
            ssid = "cirque-" + random("abcdefghijkmnpqrstuvwxyz23456789", 8);
        } else {
            int bytes = ssid.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > 32 || ssid.chars().anyMatch(Character::isISOControl)) {
                throw CirqueException.invalid("ssid must be 1..32 bytes without control characters, got " + bytes
                        + " bytes");
            }
        }
        if (psk.isEmpty()) {
            psk = random("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789", 20);
        } else if (psk.length() < 8 || psk.length() > 63 || psk.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw CirqueException.invalid("psk must be a WPA2 passphrase: 8..63 printable ASCII characters");
        }
        return new AccessPoint(WifiRadios.get(NAME), host.ledger().allocator(), ssid, psk);
    }

    private static String random(String alphabet, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static final class AccessPoint extends NamedCapability {
        private final Hwsim hwsim;
        private final HostAllocator allocator;
        private final String ssid;
        private final String psk;
        private volatile Radio radio;
        private volatile int subnet = -1;

        AccessPoint(Hwsim hwsim, HostAllocator allocator, String ssid, String psk) {
            super(NAME);
            this.hwsim = hwsim;
            this.allocator = allocator;
            this.ssid = ssid;
            this.psk = psk;
        }

        @Override
        public void prepare(PrepareContext node) throws Exception {
            HostAllocator.Lease lease = allocator.take(SUBNETS, 0, 255, n -> true, "access point of home "
                    + node.homeId() + " node " + node.nodeId());
            subnet = lease.number();
            node.onTeardown("release access point subnet " + net() + ".0/24", lease::close);
            radio = WifiRadios.create(hwsim, node);
        }

        @Override
        public void contribute(ContainerPlan plan) {
            plan.addLinuxCapability("NET_ADMIN").addLinuxCapability("NET_RAW")
                    .sysctl("net.ipv4.ip_forward", "1");
        }

        private String net() {
            return SUBNET_PREFIX + subnet;
        }

        private int channel() {
            return CHANNELS[subnet % CHANNELS.length];
        }

        @Override
        public void enable(NodeContext node) throws Exception {
            String hostapd = String.join("\n",
                    "interface=wlan0", "driver=nl80211", "ssid=" + ssid, "hw_mode=g", "channel=" + channel(),
                    "wpa=2", "wpa_key_mgmt=WPA-PSK", "rsn_pairwise=CCMP", "wpa_passphrase=" + psk,
                    "ctrl_interface=/run/hostapd", "");
            String dnsmasq = String.join("\n",
                    "interface=wlan0", "bind-interfaces", "port=0",
                    "dhcp-range=" + net() + ".10," + net() + ".250,255.255.255.0,12h",
                    "dhcp-option=option:router," + net() + ".1",
                    "dhcp-leasefile=/run/cirque-dnsmasq.leases", "pid-file=/run/cirque-dnsmasq.pid",
                    "log-dhcp", "log-facility=/var/log/cirque-dnsmasq.log", "");
            String script = String.join("\n",
                    "ip addr add \"$1\" dev wlan0",
                    "mkdir -p /etc/hostapd",
                    "printf '%s' \"$3\" > /etc/hostapd/cirque.conf",
                    "printf '%s' \"$4\" > /etc/cirque-dnsmasq.conf",
                    // NAT what the stations send anywhere but back to the radio side.
                    "iptables -t nat -A POSTROUTING -s \"$2\" ! -o wlan0 -j MASQUERADE",
                    "hostapd -B -P /run/hostapd.pid -f /var/log/hostapd.log /etc/hostapd/cirque.conf"
                            + " || { cat /var/log/hostapd.log; exit 1; }",
                    "dnsmasq --conf-file=/etc/cirque-dnsmasq.conf", "");
            WifiRadios.install(hwsim, radio, node, script,
                    List.of(net() + ".1/24", net() + ".0/24", hostapd, dnsmasq));
        }

        @Override
        public Map<String, String> deviceFields() {
            return Map.of("ssid", ssid, "psk", psk);
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("ssid", ssid);
            d.put("psk", psk);
            d.put("subnet", net() + ".0/24");
            d.put("gateway", net() + ".1");
            d.put("channel", channel());
            d.put("interface", "wlan0");
            d.put("radio", radio == null ? "" : radio.phy());
            d.put("mac", radio == null ? "" : dev.cirque.sim.wifi.Mac.format(radio.mac()));
            return d;
        }
    }
}
