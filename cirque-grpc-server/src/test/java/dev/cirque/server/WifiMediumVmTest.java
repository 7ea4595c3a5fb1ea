package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.home.Janitor;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.testing.Eventually;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.GetWifiTopologyRequest;
import dev.cirque.proto.HomeEvent;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.ListWifiAccessPointsRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.WatchHomeRequest;
import dev.cirque.proto.WiFiAccessPointCapability;
import dev.cirque.proto.WiFiCapability;
import dev.cirque.proto.WifiCaptureRequest;
import dev.cirque.proto.WifiNode;
import dev.cirque.proto.WifiTopology;
import dev.cirque.sim.wifi.GenericNetlink;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon as mac80211_hwsim's medium, in the VM (tag {@code vm}): each home its own air,
 * a link's signal and loss set live, associations in the home's events, the 802.11 capture,
 * and nothing left by a daemon killed with SIGKILL. Prints the medium's figures (VM, TCG).
 */
@Tag("vm")
class WifiMediumVmTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    @Test
    void eachHomeHasItsOwnAirAndALinksSignalAndLossAreSetLive() throws Exception {
        String homeA = daemon.newHome();
        String homeB = daemon.newHome();
        List<HomeEvent> eventsA = Collections.synchronizedList(new ArrayList<>());
        Iterator<HomeEvent> watch = CirqueServiceGrpc.newBlockingStub(daemon.channel).withDeadlineAfter(20,
                TimeUnit.MINUTES).watchHome(WatchHomeRequest.newBuilder().setHomeId(homeA).build());
        assertEquals("WATCHING", watch.next().getKind());
        Thread collector = new Thread(() -> watch.forEachRemaining(eventsA::add), "events-of-A");
        collector.setDaemon(true);
        collector.start();

        CirqueDevice apA = ap(homeA, "air-A", "passphrase-A");
        CirqueDevice apB = ap(homeB, "air-B", "passphrase-B");
        CirqueDevice s1 = station(homeA);
        CirqueDevice s2 = station(homeA);
        CirqueDevice t1 = station(homeB);
        CirqueDevice t2 = station(homeB);
        assertEquals(List.of("air-A"), daemon.stub.listWifiAccessPoints(ListWifiAccessPointsRequest.newBuilder()
                .setHomeId(homeA).build()).getAccessPointsList().stream().map(a -> a.getSsid()).toList());

        // Each station hears its own home's AP, and never the other's.
        for (CirqueDevice s : List.of(s1, s2)) {
            assertScansOnly(homeA, s, "air-A", "air-B");
        }
        for (CirqueDevice t : List.of(t1, t2)) {
            assertScansOnly(homeB, t, "air-B", "air-A");
        }

        // WPA2, DHCP and ping on each air.
        String gatewayA = gateway(apA);
        WifiVm.join(daemon, homeA, s1, "air-A", "passphrase-A", true);
        WifiVm.join(daemon, homeB, t1, "air-B", "passphrase-B", true);
        WifiVm.sh(daemon, homeA, s1, "ping -c 2 -W 5 " + gatewayA);
        WifiVm.sh(daemon, homeB, t1, "ping -c 2 -W 5 " + gateway(apB));
        String bssidA = station(topology(homeA), s1).getBssid();
        assertEquals(apA.getDeviceId(), station(topology(homeA), s1).getAssociatedTo(), topology(homeA).toString());

        // The capture of A's air holds A's beacons, never B's.
        daemon.stub.setWifiCapture(WifiCaptureRequest.newBuilder().setHomeId(homeA).setCapture(true).build());

        // A weaker signal on the AP -> station link is what the station hears.
        link(homeA, apA, s1, LinkConditions.newBuilder().setSignalDbm(-72).build(), false);
        // (iw shows an average over the frames heard: it reaches -72 as they come at the new signal.)
        String heard = pollNode(homeA, s1, "iw dev wlan0 link", out -> signal(out) <= -70, 30);
        assertTrue(signal(heard) >= -74, "about -72 dBm: " + heard);
        assertTrue(station(topology(homeA), s1).getSignalDbm() <= -70, topology(homeA).toString());

        // Benchmark (VM figures): frames through the medium and its time per frame, under a ping stream.
        WifiTopology before = topology(homeA);
        long t0 = System.nanoTime();
        WifiVm.sh(daemon, homeA, s1, "ping -q -c 400 -i 0.01 -W 2 " + gatewayA + " | tail -2");
        double seconds = (System.nanoTime() - t0) / 1e9;
        WifiTopology after = topology(homeA);
        System.out.printf("WIFI MEDIUM (VM, TCG): %.0f frames/s through the medium during a 100/s ping exchange"
                + " (%d frames in %.1f s); handling per frame p50 %d us, p99 %d us%n",
                (after.getMedium().getFrames() - before.getMedium().getFrames()) / seconds,
                after.getMedium().getFrames() - before.getMedium().getFrames(), seconds,
                after.getMedium().getHandlingP50Us(), after.getMedium().getHandlingP99Us());

        // And saturated: a ping flood, as many frames as the medium (and the VM) carry.
        before = topology(homeA);
        t0 = System.nanoTime();
        WifiVm.sh(daemon, homeA, s1, "ping -q -f -c 1000 -W 2 " + gatewayA + " | tail -2; true");
        seconds = (System.nanoTime() - t0) / 1e9;
        after = topology(homeA);
        System.out.printf("WIFI MEDIUM (VM, TCG): %.0f frames/s through the medium under a ping flood"
                + " (%d frames in %.1f s); handling per frame p50 %d us, p99 %d us%n",
                (after.getMedium().getFrames() - before.getMedium().getFrames()) / seconds,
                after.getMedium().getFrames() - before.getMedium().getFrames(), seconds,
                after.getMedium().getHandlingP50Us(), after.getMedium().getHandlingP99Us());

        // 100 % loss both ways: the station loses its AP within 30 s; cleared, it comes back.
        long cut = System.nanoTime();
        link(homeA, s1, apA, LinkConditions.newBuilder().setLossPercent(100).build(), true);
        pollNode(homeA, s1, "iw dev wlan0 link", out -> out.contains("Not connected"), 30);
        System.out.printf("WIFI MEDIUM (VM, TCG): station disassociated %.1f s after 100%% loss%n",
                (System.nanoTime() - cut) / 1e9);
        link(homeA, s1, apA, null, true);
        pollNode(homeA, s1, "iw dev wlan0 link", out -> out.contains("Connected to"), 90);
        WifiVm.sh(daemon, homeA, s1, "for i in $(seq 1 30); do ping -c 1 -W 2 " + gatewayA
                + " >/dev/null && exit 0; sleep 1; done; ping -c 1 -W 2 " + gatewayA);

        daemon.stub.setWifiCapture(WifiCaptureRequest.newBuilder().setHomeId(homeA).setCapture(false).build());
        byte[] pcap = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + daemon.httpPort() + "/wifi/" + homeA + "/capture")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        String text = new String(pcap, StandardCharsets.ISO_8859_1);
        assertTrue(pcap.length > 24 && text.contains("air-A"), "A's beacons in A's capture (" + pcap.length + " bytes)");
        assertFalse(text.contains("air-B"), "no frame of B's air in A's capture");

        // The home's recording holds A's WiFi frames (never B's), each with its fate: delivered
        // mostly, lost under the 100 % loss.
        List<RecordedFrames.Frame> recorded = RecordedFrames.read(RecordingTest.entries(
                RecordingTest.grpcRecording(daemon, homeA)).get("recording.pcapng")).stream()
                .filter(f -> f.iface().equals("wifi")).toList();
        String s1From = "from " + s1.getDeviceId().substring(0, 8) + ":";
        assertTrue(recorded.stream().allMatch(f -> f.linkType() == 127 && f.comment() != null), "radiotap, each with its fate");
        assertTrue(recorded.stream().anyMatch(f -> f.comment().startsWith(s1From) && f.comment().contains(" lost")),
                "the station's frames lost under 100 % loss");
        assertTrue(recorded.stream().anyMatch(f -> f.comment().contains(" delivered")));
        assertTrue(recorded.stream().anyMatch(f -> new String(f.data(), StandardCharsets.ISO_8859_1).contains("air-A")));
        assertFalse(recorded.stream().anyMatch(f -> new String(f.data(), StandardCharsets.ISO_8859_1).contains("air-B")));
        System.out.printf("WIFI MEDIUM (VM, TCG): %d WiFi frames in home A's recording%n", recorded.size());

        // The station's association, lost and found again, as events of its home.
        awaitReassociation(eventsA, s1, bssidA, 30);
        List<String> changes = associationChanges(eventsA, s1);
        int lost = changes.indexOf(bssidA + "->");
        assertTrue(changes.contains("->" + bssidA) && lost >= 0 && changes.subList(lost, changes.size())
                .contains("->" + bssidA), changes.toString());

        List<String> phys = new ArrayList<>();
        for (CirqueDevice d : List.of(s1, s2, t1, t2)) {
            phys.add(daemon.httpState(d == t1 || d == t2 ? homeB : homeA, d.getDeviceId()).get("capability")
                    .get("WiFi").get("radio").asText());
        }
        daemon.stopHome(homeA);
        daemon.stopHome(homeB);
        for (String phy : phys) {
            assertTrue(WifiVm.staysAbsent(phy), phy + " deleted with its home");
        }
        assertEquals(List.of(), WifiVm.ourInterfaces());
        assertEquals(List.of(), daemon.leftovers(homeA));
        assertEquals(List.of(), daemon.leftovers(homeB));
    }

    @Test
    void aKilledDaemonLeavesNoRadioAndNoRegistrationAndTheNextIsTheMedium() throws Exception {
        // hwsim takes one medium per host: this JVM's own daemon lets go of it (it takes it again
        // with its next radio), so that the daemons this test starts can be the medium.
        daemon.server.homes().links().find("wifi").ifPresent(m -> m.close());
        int port = DaemonProcess.freePort();
        DaemonProcess first = DaemonProcess.start("--grpc-address", "127.0.0.1:" + port, "--no-http");
        int bound = DaemonProcess.startBoundSeconds(120);
        long t0 = System.nanoTime();
        first.awaitLine("gRPC listening", bound);
        System.out.printf("WIFI MEDIUM (VM): a second daemon JVM listened in %.1f s (bound %d s: 5x this JVM's"
                + " own start, %.1f s)%n", (System.nanoTime() - t0) / 1e9, bound, TestDaemon.firstStartSeconds());
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        String phy;
        try {
            CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.MINUTES);
            String home = stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            CirqueDevice s = stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                    .setSpecification(DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                            .setWifiCapability(WiFiCapability.getDefaultInstance())).build()).getDevice();
            phy = s.getDeviceDescription().getCapabilitiesOrThrow("WiFi").getFieldsOrThrow("radio").getStringValue();
            assertTrue(stub.getWifiTopology(GetWifiTopologyRequest.newBuilder().setHomeId(home).build()).getMedium()
                    .getRegistered(), "the daemon is the medium");
        } finally {
            channel.shutdownNow();
        }
        first.process.destroyForcibly(); // SIGKILL: no teardown runs
        assertTrue(first.process.waitFor(30, TimeUnit.SECONDS));

        // hwsim lets one medium register: that this one can proves the killed one's registration went.
        try (GenericNetlink nl = GenericNetlink.open()) {
            int family = nl.family("MAC80211_HWSIM").orElseThrow();
            nl.request(family, 1, 1, List.of()); // HWSIM_CMD_REGISTER; refused with EBUSY if one were left
        }

        // The sweep a next daemon runs at start (run here: a second daemon JVM costs minutes in
        // the VM) removes the killed one's container: a radio the kernel had not deleted would
        // then be back in this namespace.
        Janitor.sweep(daemon.engine, HostLedger.defaultLedger());
        assertTrue(WifiVm.staysAbsent(phy), "the kernel deleted the killed daemon's radio");
        assertEquals(List.of(), WifiVm.ourInterfaces());
        assertEquals(List.of(), daemon.allLeftovers(), "nothing of the killed daemon is left after the sweep");

        // And a daemon here is the medium again.
        String home = daemon.newHome();
        station(home);
        assertTrue(topology(home).getMedium().getRegistered());
        daemon.stopHome(home);
        assertEquals(List.of(), daemon.leftovers(home));
    }

    /** The signal {@code iw dev wlan0 link} shows; 0 when it shows none. */
    private static int signal(String iwLink) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("signal: (-?\\d+) dBm").matcher(iwLink);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static CirqueDevice ap(String home, String ssid, String psk) {
        return daemon.create(home, DeviceSpecification.newBuilder().setDeviceType("wifi_ap")
                .setWifiApCapability(WiFiAccessPointCapability.newBuilder().setSsid(ssid).setPsk(psk)));
    }

    private static CirqueDevice station(String home) {
        return daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                .setWifiCapability(WiFiCapability.getDefaultInstance()));
    }

    private static String gateway(CirqueDevice ap) {
        return ap.getDeviceDescription().getCapabilitiesOrThrow("WiFiAccessPoint").getFieldsOrThrow("gateway")
                .getStringValue();
    }

    /** Scans until its own SSID shows (20 tries); the other never shows, in that scan or two more. */
    private static void assertScansOnly(String home, CirqueDevice s, String own, String other) {
        String first = WifiVm.sh(daemon, home, s, "for i in $(seq 1 20); do out=$(iw dev wlan0 scan 2>&1);"
                + " case \"$out\" in *\"SSID: $1\"*) echo \"$out\" | grep 'SSID:'; exit 0;; esac; sleep 1; done;"
                + " echo \"$out\"; exit 1", own);
        String more = WifiVm.sh(daemon, home, s, "for i in 1 2; do iw dev wlan0 scan 2>&1 | grep 'SSID:'; done; true");
        assertFalse(first.contains("SSID: " + other) || more.contains("SSID: " + other),
                "a station of one home heard the other's AP: " + first + more);
    }

    private static void link(String home, CirqueDevice from, CirqueDevice to, LinkConditions c, boolean bothWays) {
        SetLinkConditionsRequest.Builder r = SetLinkConditionsRequest.newBuilder().setHomeId(home).setMedium("wifi")
                .setFromDeviceId(from.getDeviceId()).setToDeviceId(to.getDeviceId()).setBothWays(bothWays);
        if (c != null) {
            r.setConditions(c);
        }
        daemon.stub.setLinkConditions(r.build());
    }

    private static WifiTopology topology(String home) {
        return daemon.stub.getWifiTopology(GetWifiTopologyRequest.newBuilder().setHomeId(home).build());
    }

    private static WifiNode station(WifiTopology t, CirqueDevice d) {
        return t.getNodesList().stream().filter(n -> n.getDeviceId().equals(d.getDeviceId())).findFirst().orElseThrow();
    }

    /** Runs {@code command} in the node every 500 ms until its output passes; fails after {@code seconds}. */
    private static String pollNode(String home, CirqueDevice node, String command,
            java.util.function.Predicate<String> done, int seconds) {
        String[] out = {""};
        return Eventually.await("'" + command + "' to pass", java.time.Duration.ofSeconds(seconds),
                java.time.Duration.ofMillis(500), () -> {
                    out[0] = daemon.exec(home, node, command);
                    return done.test(out[0]) ? java.util.Optional.of(out[0]) : java.util.Optional.empty();
                }, () -> out[0]);
    }

    /** Waits (polling the collected events) until the station's association to {@code bssid} came back. */
    /** Until the watch has seen {@code s} lose {@code bssid} and associate with it again. */
    private static void awaitReassociation(List<HomeEvent> events, CirqueDevice s, String bssid, int seconds) {
        Eventually.await(s.getDeviceId() + " to lose " + bssid + " and associate with it again",
                Duration.ofSeconds(seconds), Duration.ofMillis(200), () -> {
                    List<String> changes = associationChanges(events, s);
                    boolean back = !changes.isEmpty() && changes.get(changes.size() - 1).endsWith("->" + bssid)
                            && changes.stream().anyMatch(c -> c.startsWith(bssid + "->"));
                    return back ? Optional.of(true) : Optional.empty();
                }, () -> associationChanges(events, s).toString());
    }

    private static List<String> associationChanges(List<HomeEvent> events, CirqueDevice s) {
        synchronized (events) {
            return events.stream().filter(e -> e.getKind().equals("WIFI_ASSOCIATION_CHANGED")
                    && e.getDeviceId().equals(s.getDeviceId()))
                    .map(e -> e.getDetailOrThrow("from") + "->" + e.getDetailOrThrow("to")).toList();
        }
    }
}
