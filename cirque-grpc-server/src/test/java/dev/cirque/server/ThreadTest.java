package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Struct;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.GetThreadTopologyRequest;
import dev.cirque.proto.InteractiveCapability;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.MountCapability;
import dev.cirque.proto.MountPair;
import dev.cirque.proto.QueryCirqueDeviceRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ThreadCapability;
import dev.cirque.proto.ThreadCaptureRequest;
import dev.cirque.proto.ThreadTopology;
import dev.cirque.proto.TrafficControlCapability;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Thread capability on real containers with real PTYs and processes. OpenThread
 * cannot be installed here, so the radios are the stand-in of cirque-sim-thread's tests
 * (it records how it was started and answers each byte with that byte plus one), installed
 * under both names, ot-ncp-ftd and ot-rcp.
 */
class ThreadTest {

    @TempDir
    static Path dir;
    private static Path records;
    private static TestDaemon daemon;
    private final List<String> homes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path bin = StandInRadios.install(dir);
        records = bin.resolve("records");
        daemon = new TestDaemon(new HostSettings(MountPolicy.anyPath(),
                Map.of("thread.bin-dir", bin.toString(), "thread.work-dir", dir.resolve("work").toString())));
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    @AfterEach
    void homesLeaveNothing() throws Exception {
        for (String home : homes) {
            try {
                daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
            } catch (StatusRuntimeException e) {
                assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
            }
            assertEquals(List.of(), daemon.leftovers(home));
        }
        try (var work = Files.list(dir.resolve("work"))) {
            assertEquals(List.of(), work.toList(), "radio working directories left");
        }
    }

    @Test
    void bytesWrittenToTtyUsb0ReachTheRadioAndItsRepliesComeBack() {
        String home = home();
        CirqueDevice node = create(home, thread(ThreadCapability.getDefaultInstance()));
        // 64 KiB of random bytes out through /dev/ttyUSB0, and 64 KiB back; the stand-in adds
        // one to each byte, so the reply is checked against the transformed original.
        String out = exec(home, node, "sh -c 'head -c 65536 /dev/urandom > /tmp/sent;"
                + " head -c 65536 < /dev/ttyUSB0 > /tmp/back & r=$!;"
                + " cat /tmp/sent > /dev/ttyUSB0; wait $r;"
                + " LC_ALL=C tr \"\\000-\\377\" \"\\001-\\377\\000\" < /tmp/sent | cmp - /tmp/back && echo SAME'");
        assertEquals("SAME\n", out);
    }

    @Test
    void theRadioIsStartedAsOpenThreadExpectsAndRcpModePicksTheBinary() throws Exception {
        String home = home();
        CirqueDevice ncp = create(home, thread(ThreadCapability.getDefaultInstance()));
        CirqueDevice rcp = create(home, thread(ThreadCapability.newBuilder().setRcpMode(true).build()));
        JsonNode ncpState = radio(home, ncp);
        JsonNode rcpState = radio(home, rcp);
        // The same description over gRPC, in QueryCirqueDevice.
        Struct queried = daemon.stub.queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setDeviceId(rcp.getDeviceId()).build()).getDevice().getDeviceDescription().getCapabilitiesOrThrow("Thread");
        assertEquals("rcp", queried.getFieldsOrThrow("mode").getStringValue());
        assertEquals(rcpState.get("node_id").asInt(), (int) queried.getFieldsOrThrow("node_id").getNumberValue());
        assertEquals("running", queried.getFieldsOrThrow("radio").getStringValue());
        assertEquals("ncp", ncpState.get("mode").asText());
        assertEquals("rcp", rcpState.get("mode").asText());

        String ncpRecord = record(ncpState);
        String rcpRecord = record(rcpState);
        assertTrue(ncpRecord.contains("argv0=" + dir.resolve("bin/ot-ncp-ftd")), ncpRecord);
        assertTrue(rcpRecord.contains("argv0=" + dir.resolve("bin/ot-rcp")), rcpRecord);
        assertTrue(ncpRecord.contains("node_id=1") && rcpRecord.contains("node_id=2"), ncpRecord + rcpRecord);
        assertTrue(ncpRecord.contains("port_offset=" + ncpState.get("port_offset").asInt())
                && rcpRecord.contains("port_offset=" + rcpState.get("port_offset").asInt()), ncpRecord + rcpRecord);
        assertNotEquals(ncpState.get("port_offset").asInt(), rcpState.get("port_offset").asInt(),
                "a port group each: only the medium relays between them");
        assertNotEquals(line(ncpRecord, "cwd="), line(rcpRecord, "cwd="), "a working directory each");

        assertEquals("1\n", exec(home, ncp, "cat /proc/sys/net/ipv6/conf/all/forwarding"));
        assertEquals("0\n", exec(home, ncp, "cat /proc/sys/net/ipv6/conf/all/disable_ipv6"));
        assertTrue(exec(home, ncp, "ls -l /dev/net/tun").startsWith("c"), "the tun device");
    }

    @Test
    void theMeshCallsSayWhatTheyCannotDo() throws Exception {
        String empty = home();
        StatusRuntimeException noRadio = assertThrows(StatusRuntimeException.class, () -> daemon.stub.setThreadCapture(
                ThreadCaptureRequest.newBuilder().setHomeId(empty).setStart(true).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, noRadio.getStatus().getCode());
        assertTrue(noRadio.getStatus().getDescription().contains("no thread radio to capture"), noRadio.getStatus().toString());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> daemon.stub
                .getThreadTopology(GetThreadTopologyRequest.newBuilder().setHomeId("no-such-home").build()))
                .getStatus().getCode());
        java.net.http.HttpResponse<String> missing = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.httpPort()
                        + "/thread/" + empty + "/capture")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("no thread capture"), missing.body());

        // A stand-in radio has no stack to ask: the node is listed, with why.
        CirqueDevice node = create(empty, thread(ThreadCapability.getDefaultInstance()));
        ThreadTopology t = daemon.stub.getThreadTopology(GetThreadTopologyRequest.newBuilder().setHomeId(empty).build());
        assertEquals(1, t.getNodesCount());
        assertEquals(node.getDeviceId(), t.getNodes(0).getDeviceId());
        assertFalse(t.getNodes(0).getError().isEmpty(), t.toString());
        assertTrue(daemon.stub.setThreadCapture(ThreadCaptureRequest.newBuilder().setHomeId(empty).setStart(true)
                .build()).getCapturing());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> daemon.stub
                .setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(empty).setMedium("thread")
                        .setFromDeviceId(node.getDeviceId()).setConditions(LinkConditions.newBuilder()
                                .setLossPercent(150)).build())).getStatus().getCode(), "loss over 100%");
    }

    @Test
    void idsComeBackAndHomesAndPetitionsAreSeparateNetworks() throws Exception {
        String a = home();
        CirqueDevice a1 = create(a, thread(ThreadCapability.getDefaultInstance()));
        CirqueDevice a2 = create(a, thread(ThreadCapability.getDefaultInstance()));
        CirqueDevice a3 = create(a, thread(ThreadCapability.getDefaultInstance()));
        assertEquals(List.of(1, 2, 3), List.of(radio(a, a1).get("node_id").asInt(), radio(a, a2).get("node_id").asInt(),
                radio(a, a3).get("node_id").asInt()));
        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(a).setDeviceId(a2.getDeviceId()).build());
        assertEquals(2, radio(a, create(a, thread(ThreadCapability.getDefaultInstance()))).get("node_id").asInt(),
                "a stopped node's id is reused");

        CirqueDevice petition = create(a, thread(ThreadCapability.newBuilder().setPetitionId(1).build()));
        String b = home();
        CirqueDevice b1 = create(b, thread(ThreadCapability.getDefaultInstance()));
        Set<Integer> offsets = Set.of(radio(a, a1).get("port_offset").asInt(),
                radio(a, petition).get("port_offset").asInt(), radio(b, b1).get("port_offset").asInt());
        assertEquals(3, offsets.size(), "every radio its own port group " + offsets);
        assertEquals(1, radio(a, petition).get("node_id").asInt());
        assertEquals(1, radio(b, b1).get("node_id").asInt());
    }

    @Test
    void theThirtyFourthNodeOfOneNetworkIsRefusedAndLeavesNothing() throws Exception {
        String home = home();
        for (int i = 1; i <= 33; i++) {
            create(home, thread(ThreadCapability.getDefaultInstance()));
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                create(home, thread(ThreadCapability.getDefaultInstance())));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("33"), e.getStatus().getDescription());
        assertEquals(34, daemon.leftovers(home).size(), "33 containers and the network; the 34th rolled back");
    }

    @Test
    void aRadioThatExitsIsReportedAndStoppingLeavesNoRadioPtyOrDirectory() throws Exception {
        String home = home();
        CirqueDevice node = create(home, thread(ThreadCapability.getDefaultInstance()));
        CirqueDevice other = create(home, thread(ThreadCapability.getDefaultInstance()));
        JsonNode state = radio(home, node);
        long pid = state.get("radio_pid").asLong();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        String reported = "";
        for (int i = 0; i < 100 && !(reported = radio(home, node).get("radio").asText()).startsWith("exited"); i++) {
            Thread.sleep(50);
        }
        assertEquals("exited with 137", reported);

        JsonNode otherState = radio(home, other);
        Path cwd = Path.of(line(record(otherState), "cwd="));
        assertTrue(Files.isDirectory(cwd));
        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setDeviceId(other.getDeviceId()).build());
        assertGone(otherState, cwd);

        JsonNode last = radio(home, create(home, thread(ThreadCapability.getDefaultInstance())));
        Path lastCwd = Path.of(line(record(last), "cwd="));
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        assertGone(last, lastCwd);
    }

    @Test
    void aMissingBinaryFailsThePreconditionAndLeavesNothing() throws Exception {
        try (TestDaemon bare = new TestDaemon(new HostSettings(MountPolicy.anyPath(),
                Map.of("thread.bin-dir", dir.resolve("no-such-dir").toString())))) {
            String home = bare.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> bare.stub.createCirqueDevice(
                    CreateCirqueDeviceRequest.newBuilder().setHomeId(home).setSpecification(
                            thread(ThreadCapability.newBuilder().setRcpMode(true).build())).build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            String msg = e.getStatus().getDescription();
            assertTrue(msg.contains("ot-rcp") && msg.contains("CIRQUE_OT_BIN_DIR"), msg);
            assertEquals(1, bare.leftovers(home).size(), "only the home's network");
            bare.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    @Test
    void theMatterDeviceWithAllFourCapabilitiesOnOneNode() throws Exception {
        String home = home();
        Path repo = Files.writeString(Files.createDirectories(dir.resolve("chip")).resolve("README"), "chip");
        CirqueDevice node = create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                .setThreadCapability(ThreadCapability.newBuilder().setRcpMode(true))
                .setInteractiveCapability(InteractiveCapability.getDefaultInstance())
                .setTrafficcontrolCapability(TrafficControlCapability.newBuilder().setLossRate(1))
                .setMountCapability(MountCapability.newBuilder().addMountPairs(MountPair.newBuilder()
                        .setHostPath(repo.getParent().toString()).setTargetPath("/chip")))
                .build());
        assertEquals("chip", exec(home, node, "cat /chip/README"));
        assertTrue(exec(home, node, "readlink /proc/1/fd/0").startsWith("/dev/pts/"), "Interactive");
        assertTrue(exec(home, node, "tc qdisc show dev eth0").length() > 0, "TrafficControl: tc usable");
        assertEquals("SAME\n", exec(home, node, "sh -c 'printf abc > /dev/ttyUSB0; head -c 3 < /dev/ttyUSB0 > /tmp/r;"
                + " [ \"$(cat /tmp/r)\" = bcd ] && echo SAME'"), "Thread: the radio answers");
    }

    // --- helpers -------------------------------------------------------------------------

    private static void assertGone(JsonNode radio, Path cwd) {
        long pid = radio.get("radio_pid").asLong();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "radio " + pid + " ended");
        assertFalse(Files.exists(Path.of(radio.get("pty").asText())), "PTY " + radio.get("pty") + " closed");
        assertFalse(Files.exists(cwd), "working directory " + cwd + " removed");
    }

    private String home() {
        String id = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
        homes.add(id);
        return id;
    }

    private static DeviceSpecification thread(ThreadCapability t) {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).setThreadCapability(t).build();
    }

    private static CirqueDevice create(String home, DeviceSpecification spec) {
        return daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setSpecification(spec).build()).getDevice();
    }

    private static String exec(String home, CirqueDevice node, String command) {
        return daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(node.getDeviceId()).setCommand(command).build()).getOutput();
    }

    private static JsonNode radio(String home, CirqueDevice node) throws Exception {
        return daemon.httpState(home, node.getDeviceId()).get("capability").get("Thread");
    }

    /** What the stand-in radio recorded of how it was started. */
    private static String record(JsonNode radio) throws Exception {
        return Files.readString(records.resolve(radio.get("radio_pid").asLong() + ".txt"));
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length());
    }
}
