package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.Labels;
import dev.cirque.core.host.HostLedger;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A daemon killed with SIGKILL while it shapes a home: the nodes' traffic flows on,
 * unshaped (never black-holed), and the next daemon's start-up sweep removes the shaper's
 * rules and frees its queue.
 */
class ShaperRestartTest {

    private final DaemonProcess.Group daemons = new DaemonProcess.Group();

    @AfterEach
    void end() throws Exception {
        daemons.close();
    }

    @Test
    void aKilledShaperLeavesTrafficFlowingAndItsRulesToTheSweep() throws Exception {
        CirqueServiceGrpc.CirqueServiceBlockingStub first = daemon();
        CreateCirqueHomeWithDevicesRequest.Builder request = CreateCirqueHomeWithDevicesRequest.newBuilder();
        request.putDevices("a", LinkConditionsTest.shaped(100, 0, 0).build());
        request.putDevices("b", LinkConditionsTest.shaped(100, 0, 0).build());
        CreateCirqueHomeWithDevicesResponse home = first.createCirqueHomeWithDevices(request.build());
        String id = home.getHomeId();
        assertTrue(LinkConditionsTest.Host.rawRules().contains("cirque:" + id), "the shaper's rules are in place");
        long queuesBefore = queues();

        daemons.get(0).process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        CirqueDevice a = home.getDevicesMap().get("a");
        CirqueDevice b = home.getDevicesMap().get("b");
        try (DockerEngine engine = DockerEngine.connect(null)) {
            String container = engine.containersLabelled(Labels.node(id, a.getDeviceId())).get(0);
            ExecResult ping = engine.exec(container, List.of("ping", "-q", "-c", "5", "-i", "0.2",
                    b.getDeviceDescription().getIpv4Addr()), Duration.ofSeconds(30));
            double rtt = LinkConditionsTest.averageRtt(ping.output());
            System.out.println("shaper killed: the rules stay until the sweep, traffic flows unshaped: RTT " + rtt + " ms");
            assertEquals(0, ping.exitCode(), ping.output());
            assertTrue(ping.output().contains(" 0% packet loss"), ping.output());
            assertTrue(rtt < 50, "no longer delayed (queue bypass): " + rtt);

            daemon(); // its start-up sweep
            assertFalse(LinkConditionsTest.Host.rawRules().contains("cirque:" + id), "the sweep removed the rules");
            assertEquals(List.of(), engine.containersLabelled(Labels.home(id)));
            assertEquals(queuesBefore, queues(), "the dead daemon's queue was freed, the new one's taken");
        }
    }

    /** Netfilter queues leased on this host. */
    private static long queues() {
        return HostLedger.defaultLedger().allocator().held().stream().filter(h -> h.pool().equals(Media.QUEUES)).count();
    }

    private CirqueServiceGrpc.CirqueServiceBlockingStub daemon() throws Exception {
        return daemons.start();
    }
}
