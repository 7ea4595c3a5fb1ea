package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.TrafficControlCapability;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Link conditions on real containers, through the daemon's IP shaper: the same on this
 * kernel (no netem) as on any other.
 */
class LinkConditionsTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();
    private final List<String> homes = new ArrayList<>();

    @AfterEach
    void stopHomes() {
        homes.forEach(daemon::stopHome);
    }

    private String home() {
        String h = daemon.newHome();
        homes.add(h);
        return h;
    }

    @Test
    void twoNodesOfAHundredMillisecondsEachPingInTwoHundred() {
        String home = home();
        CirqueDevice a = daemon.create(home, shaped(100, 0, 0));
        CirqueDevice b = daemon.create(home, shaped(100, 0, 0));
        double rtt = averageRtt(daemon.exec(home, a, "ping -q -c 10 -i 0.2 " + b.getDeviceDescription().getIpv4Addr()));
        System.out.println("link conditions: 100 ms + 100 ms asked, average RTT " + rtt + " ms");
        assertTrue(rtt >= 180 && rtt <= 220, "RTT " + rtt + " ms, asked 200 ± 10%");
    }

    static DeviceSpecification.Builder shaped(int latencyMs, int jitterMs, int lossPercent) {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                .setTrafficcontrolCapability(TrafficControlCapability.newBuilder().setLatencyMs(latencyMs)
                        .setJitterMs(jitterMs).setLossRate(lossPercent));
    }

    /** The average of ping's summary line, {@code rtt min/avg/max/mdev = a/b/c/d ms}. */
    static double averageRtt(String ping) {
        Matcher m = Pattern.compile("= [\\d.]+/([\\d.]+)/").matcher(ping);
        assertTrue(m.find(), ping);
        return Double.parseDouble(m.group(1));
    }
}
