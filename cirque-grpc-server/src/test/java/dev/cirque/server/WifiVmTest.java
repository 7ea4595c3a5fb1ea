package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.WiFiAccessPointCapability;
import dev.cirque.proto.WiFiCapability;
import dev.cirque.sim.wifi.Hwsim;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The design's WiFi case study, through the gRPC API, over real mac80211_hwsim radios with
 * real hostapd, dnsmasq, wpa_supplicant and dhclient in the nodes. Needs a kernel with a
 * wireless stack: it runs inside the test VM ({@code scripts/vm/run-tests.sh}), not on
 * hosts without one (tag {@code vm}).
 */
@Tag("vm")
class WifiVmTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    private static final String CONF = WifiVm.CONF;
    private String home;

    @Test
    void twoAccessPointsThreeStationsScanJoinLeasePingAndLeaveNoRadio() throws Exception {
        home = daemon.newHome();
        List<String> phys = new ArrayList<>();

        // One AP with the client's credentials, one with generated ones.
        CirqueDevice apA = create(DeviceSpecification.newBuilder().setDeviceType("wifi_ap")
                .setWifiApCapability(WiFiAccessPointCapability.newBuilder().setSsid("cirque-test-A").setPsk("passphrase-of-A")));
        CirqueDevice apB = create(DeviceSpecification.newBuilder().setDeviceType("wifi_ap"));
        assertEquals("cirque-test-A", apA.getDeviceDescription().getSsid());
        assertEquals("passphrase-of-A", apA.getDeviceDescription().getPsk());
        String ssidB = apB.getDeviceDescription().getSsid();
        String pskB = apB.getDeviceDescription().getPsk();
        assertTrue(ssidB.startsWith("cirque-") && pskB.length() >= 8, apB.getDeviceDescription().toString());
        assertNotEquals(subnet(apA), subnet(apB), "each AP its own subnet");
        assertEquals(List.of("cirque-test-A", "passphrase-of-A"), wifiSsidPskRoute(), "Cirque's route: the first AP");
        CirqueDevice lan = create(DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));

        List<CirqueDevice> stations = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            stations.add(create(DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                    .setWifiCapability(WiFiCapability.getDefaultInstance())));
        }
        for (CirqueDevice d : List.of(apA, apB, stations.get(0), stations.get(1), stations.get(2))) {
            String phy = capability(d, d == apA || d == apB ? "WiFiAccessPoint" : "WiFi").get("radio").asText();
            assertFalse(Hwsim.phyVisible(phy), phy + " lives in its node's namespace, not the daemon's");
            phys.add(phy);
        }

        // Every station sees both SSIDs.
        for (CirqueDevice s : stations) {
            String seen = sh(s, "for i in $(seq 1 20); do out=$(iw dev wlan0 scan 2>&1);"
                    + " case \"$out\" in *\"SSID: $1\"*) case \"$out\" in *\"SSID: $2\"*) echo \"$out\" | grep 'SSID:'; exit 0;;"
                    + " esac;; esac; sleep 1; done; echo \"$out\"; exit 1", "cirque-test-A", ssidB);
            assertTrue(seen.contains("cirque-test-A") && seen.contains(ssidB), seen);
        }

        // A wrong passphrase does not associate.
        CirqueDevice s3 = stations.get(2);
        String refused = join(s3, ssidB, "not-the-passphrase", false);
        assertTrue(refused.contains("NOT ASSOCIATED"), refused);
        sh(s3, "pkill wpa_supplicant; sleep 1; printf 'ctrl_interface=DIR=/run/wpa_supplicant GROUP=root\\nupdate_config=1\\n' > " + CONF);

        // Leases from the right AP's subnet.
        String ip1 = join(stations.get(0), "cirque-test-A", "passphrase-of-A", true);
        String ip2 = join(stations.get(1), "cirque-test-A", "passphrase-of-A", true);
        String ip3 = join(s3, ssidB, pskB, true);
        assertTrue(ip1.startsWith(subnet(apA)) && ip2.startsWith(subnet(apA)), ip1 + " " + ip2 + " in " + subnet(apA));
        assertTrue(ip3.startsWith(subnet(apB)), ip3 + " in " + subnet(apB));

        // Stations on one AP reach each other over the air.
        sh(stations.get(0), "ping -c 2 -W 5 -I wlan0 " + ip2);
        sh(stations.get(1), "ping -c 2 -W 5 -I wlan0 " + ip1);

        // And the home LAN through the AP's NAT: the LAN node has no route back to the
        // station's WiFi subnet, so its answers arriving proves the AP translated.
        String lanIp = lan.getDeviceDescription().getIpv4Addr();
        String gateway = capability(apA, "WiFiAccessPoint").get("gateway").asText();
        sh(stations.get(0), "ip route add " + lanIp + "/32 via " + gateway + " dev wlan0 && ping -c 2 -W 5 " + lanIp);
        String nat = sh(apA, "iptables -t nat -L POSTROUTING -v -n -x");
        Matcher m = Pattern.compile("^\\s*(\\d+)\\s+\\d+\\s+MASQUERADE", Pattern.MULTILINE).matcher(nat);
        assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, "the AP masqueraded: " + nat);

        // Stopping a station deletes its radio.
        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home).setDeviceId(s3.getDeviceId()).build());
        assertTrue(staysAbsent(phys.get(4)), "the stopped station's radio was deleted");

        daemon.stopHome(home);
        for (String phy : phys) {
            assertTrue(staysAbsent(phy), phy + " deleted with its home");
        }
        assertEquals(List.of(), daemon.leftovers(home));
        assertEquals(List.of(), ourInterfaces(), "no interface of a cirque radio left in the daemon's namespace");
    }

    private String join(CirqueDevice station, String ssid, String psk, boolean expectSuccess) {
        return WifiVm.join(daemon, home, station, ssid, psk, expectSuccess);
    }

    private String subnet(CirqueDevice ap) {
        String s = ap.getDeviceDescription().getCapabilitiesOrThrow("WiFiAccessPoint").getFieldsOrThrow("subnet").getStringValue();
        return s.substring(0, s.lastIndexOf('.') + 1); // "10.99.N."
    }

    private JsonNode capability(CirqueDevice d, String name) throws Exception {
        return daemon.httpState(home, d.getDeviceId()).get("capability").get(name);
    }

    private List<String> wifiSsidPskRoute() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + daemon.server.httpPort() + "/wifi_ssid_psk/" + home)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode pair = new ObjectMapper().readTree(r.body());
        return List.of(pair.get(0).asText(), pair.get(1).asText());
    }

    private static boolean staysAbsent(String phy) throws InterruptedException {
        return WifiVm.staysAbsent(phy);
    }

    private static List<String> ourInterfaces() throws Exception {
        return WifiVm.ourInterfaces();
    }

    private CirqueDevice create(DeviceSpecification.Builder spec) {
        return daemon.create(home, spec);
    }

    private String sh(CirqueDevice node, String script, String... args) {
        return WifiVm.sh(daemon, home, node, script, args);
    }
}
