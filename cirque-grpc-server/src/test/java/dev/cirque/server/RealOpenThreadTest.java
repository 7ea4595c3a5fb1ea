package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ThreadCapability;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A two-node Thread network with real OpenThread: the simulators from CIRQUE_OT_BIN_DIR
 * (ot-rcp) and the cirque/thread-node image (ot-daemon, ot-ctl; scripts/build-thread-image.sh).
 * Skipped, saying why, where either is absent: OpenThread is a user-supplied dependency.
 */
class RealOpenThreadTest {

    private static final String IMAGE = "cirque/thread-node";

    @Test
    void aLeaderAndAJoinerFormOneNetwork() throws Exception {
        String bin = System.getenv("CIRQUE_OT_BIN_DIR");
        assumeTrue(bin != null && Files.isExecutable(Path.of(bin, "ot-rcp")),
                "CIRQUE_OT_BIN_DIR is not set to a directory with OpenThread's ot-rcp: real-radio test skipped");
        try (DockerEngine engine = DockerEngine.connect(null)) {
            assumeTrue(engine.imageExists(IMAGE), IMAGE + " is not built (scripts/build-thread-image.sh DIR):"
                    + " real-radio test skipped");
        }
        try (TestDaemon daemon = new TestDaemon(new HostSettings(MountPolicy.anyPath(),
                Map.of("thread.bin-dir", bin)))) {
            String home = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            try {
                DeviceSpecification spec = DeviceSpecification.newBuilder().setDeviceType("thread_node")
                        .setBaseImage(IMAGE).setThreadCapability(ThreadCapability.newBuilder().setRcpMode(true)).build();
                CirqueDevice leader = create(daemon, home, spec);
                CirqueDevice joiner = create(daemon, home, spec);
                awaitCtl(daemon, home, leader);
                awaitCtl(daemon, home, joiner);
                for (String c : new String[] {"dataset init new", "dataset commit active", "ifconfig up", "thread start"}) {
                    ctl(daemon, home, leader, c);
                }
                assertTrue(awaitState(daemon, home, leader, "leader"), "the first node leads");
                String tlvs = ctl(daemon, home, leader, "dataset active -x").lines().findFirst().orElse("").strip();
                for (String c : new String[] {"dataset set active " + tlvs, "ifconfig up", "thread start"}) {
                    ctl(daemon, home, joiner, c);
                }
                assertTrue(awaitState(daemon, home, joiner, "child") || awaitState(daemon, home, joiner, "router"),
                        "the second node joins as child or router");
            } finally {
                daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
            }
        }
    }

    private static CirqueDevice create(TestDaemon d, String home, DeviceSpecification spec) {
        return d.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setSpecification(spec).build()).getDevice();
    }

    private static String ctl(TestDaemon d, String home, CirqueDevice node, String command) {
        return d.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(node.getDeviceId()).setCommand("ot-ctl " + command).build()).getOutput();
    }

    /** ot-daemon is ready once `ot-ctl state` exits 0. */
    private static void awaitCtl(TestDaemon d, String home, CirqueDevice node) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                ctl(d, home, node, "state");
                return;
            } catch (StatusRuntimeException e) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("ot-daemon in " + node.getDeviceName() + " never answered");
    }

    private static boolean awaitState(TestDaemon d, String home, CirqueDevice node, String state)
            throws InterruptedException {
        for (int i = 0; i < 60; i++) {
            if (ctl(d, home, node, "state").contains(state)) {
                return true;
            }
            Thread.sleep(1000);
        }
        return false;
    }
}
