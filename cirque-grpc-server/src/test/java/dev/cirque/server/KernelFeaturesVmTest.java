package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.TrafficControlCapability;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the capabilities do on a kernel that has sch_netem and ipvlan, where hosts without
 * them get FAILED_PRECONDITION or the macvlan fallback (see CapabilitiesTest and
 * NetworksTest). Runs inside the test VM ({@code scripts/vm/run-tests.sh}), tag {@code vm}:
 * unlike those tests it fails, rather than takes the other branch, when the kernel lacks them.
 */
@Tag("vm")
class KernelFeaturesVmTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    private String home;

    @BeforeEach
    void newHome() {
        home = daemon.newHome();
    }

    @AfterEach
    void homeLeavesNothing() {
        daemon.stopHome(home);
        assertEquals(List.of(), daemon.leftovers(home));
    }

    @Test
    void latencyIsTheShapersOnAStockKernelToo() {
        CirqueDevice peer = create(spec());
        CirqueDevice plain = create(spec());
        CirqueDevice slow = create(spec().setTrafficcontrolCapability(TrafficControlCapability.newBuilder().setLatencyMs(150)));
        String target = peer.getDeviceDescription().getIpv4Addr();
        double base = averageRtt(exec(plain, "ping -c 5 -i 0.3 " + target));
        double delayed = averageRtt(exec(slow, "ping -c 5 -i 0.3 " + target));
        System.out.printf("TrafficControl latency_ms=150: average RTT %.1f ms, %.1f ms without (ip shaper)%n", delayed,
                base);
        // One implementation everywhere: even where netem exists, the daemon's shaper adds the delay.
        assertTrue(!exec(slow, "tc qdisc show dev eth0").contains("netem"), "no netem qdisc on the node's eth0");
        assertTrue(delayed - base >= 140 && delayed - base <= 400, "150 ms asked; added " + (delayed - base) + " ms");
    }

    @Test
    void ipvlanHomeNetworkIsIpvlanAndCarriesTraffic() throws Exception {
        CirqueDevice a = create(spec().setDockerNetwork("IpvLan"));
        CirqueDevice b = create(spec().setDockerNetwork("IpvLan"));
        exec(a, "ping -c 2 -W 3 " + b.getDeviceDescription().getIpv4Addr());
        JsonNode net = daemon.httpState(home, a.getDeviceId()).get("description").get("docker_network");
        assertEquals("ipvlan", net.get("driver").asText(), net.toString());
        assertFalse(net.has("note"), "no fallback note: " + net);
        // Same parent, one MAC address: what tells ipvlan from macvlan inside the nodes.
        assertEquals(exec(a, "cat /sys/class/net/eth0/address"), exec(b, "cat /sys/class/net/eth0/address"));
    }

    private static double averageRtt(String ping) {
        Matcher m = Pattern.compile("= [\\d.]+/([\\d.]+)/").matcher(ping);
        assertTrue(m.find(), ping);
        return Double.parseDouble(m.group(1));
    }

    private static DeviceSpecification.Builder spec() {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE);
    }

    private CirqueDevice create(DeviceSpecification.Builder spec) {
        return daemon.create(home, spec);
    }

    private String exec(CirqueDevice node, String command) {
        return daemon.exec(home, node, command);
    }
}
