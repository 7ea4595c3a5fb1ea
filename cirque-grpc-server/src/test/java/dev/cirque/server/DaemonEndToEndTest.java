package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.GetCirqueDeviceLogRequest;
import dev.cirque.proto.InteractiveCapability;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.MountCapability;
import dev.cirque.proto.QueryCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.core.testing.Eventually;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/** The nine RPCs end to end: a real daemon over a real socket, driving real containers. */
class DaemonEndToEndTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass(); // checks nothing is left after the class

    /** Homes a test made; each is checked for leftovers once the test has stopped it. */
    private final List<String> homesMade = new ArrayList<>();

    @AfterEach
    void homesLeaveNothingBehind() {
        for (String home : homesMade) {
            try {
                daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
            } catch (StatusRuntimeException e) {
                assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getMessage());
            }
            assertEquals(List.of(), daemon.leftovers(home), "leftovers of home " + home);
        }
    }

    @Test
    void nodesOfOneHomeReachEachOtherAndNotAnotherHome() {
        String home = newHome();
        List<CirqueDevice> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(newNode(home, spec()));
        }
        for (CirqueDevice node : nodes) {
            String ip = node.getDeviceDescription().getIpv4Addr();
            assertTrue(ip.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), "ipv4_addr: " + ip);
            String addr = exec(home, node, "ip -4 addr show dev eth0");
            assertTrue(addr.contains("inet " + ip + "/"), "ip addr of " + node.getDeviceName() + ":\n" + addr);
        }
        assertEquals(3, nodes.stream().map(n -> n.getDeviceDescription().getIpv4Addr()).distinct().count());
        for (CirqueDevice from : nodes) {
            for (CirqueDevice to : nodes) {
                if (from != to) {
                    exec(home, from, "ping -c 1 -W 3 " + to.getDeviceDescription().getIpv4Addr());
                }
            }
        }

        String otherHome = newHome();
        CirqueDevice stranger = newNode(otherHome, spec());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                exec(otherHome, stranger, "ping -c 2 -W 1 " + nodes.get(0).getDeviceDescription().getIpv4Addr()));
        assertEquals(Status.Code.ABORTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("100% packet loss"), e.getStatus().getDescription());
    }

    @Test
    void listAndQueryDescribeTheDevicesAsCreated() {
        String home = newHome();
        CirqueDevice a = newNode(home, spec());
        CirqueDevice b = newNode(home, spec().toBuilder().setInteractiveCapability(InteractiveCapability.getDefaultInstance()).build());

        assertTrue(daemon.stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdList().contains(home));
        List<CirqueDevice> listed = daemon.stub.listCirqueHomeDevices(
                ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build()).getDevicesList();
        assertEquals(List.of(a, b), listed);
        CirqueDevice queried = daemon.stub.queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setDeviceId(b.getDeviceId()).build()).getDevice();
        assertEquals(b, queried);
        assertTrue(queried.getDeviceSpecification().hasInteractiveCapability(), "capability echoed back");
        assertEquals(TestDaemon.NODE_IMAGE, queried.getDeviceSpecification().getDeviceType());
        assertTrue(queried.getDeviceName().startsWith("cirque-" + home.substring(0, 8)), queried.getDeviceName());
    }

    @Test
    void interactiveNodeRunsItsMainProcessOnATerminal() {
        String home = newHome();
        CirqueDevice plain = newNode(home, spec());
        CirqueDevice interactive = newNode(home,
                spec().toBuilder().setInteractiveCapability(InteractiveCapability.getDefaultInstance()).build());
        assertTrue(exec(home, interactive, "readlink /proc/1/fd/0").startsWith("/dev/pts/"));
        assertFalse(exec(home, plain, "readlink /proc/1/fd/0").startsWith("/dev/pts/"));
    }

    @Test
    void logsWithAndWithoutTail() {
        String home = newHome();
        CirqueDevice node = newNode(home, spec());
        // A generic node says in its log when it is up; the lines below come after it.
        String ready = awaitLog(home, node, "cirque node ready: ");
        // PID 1's stdout is the container's log.
        exec(home, node, "sh -c 'for i in 1 2 3 4 5; do echo line-$i; done > /proc/1/fd/1'");
        String all = daemon.stub.getCirqueDeviceLog(GetCirqueDeviceLogRequest.newBuilder()
                .setHomeId(home).setDeviceId(node.getDeviceId()).build()).getLog();
        assertEquals(ready + "line-1\nline-2\nline-3\nline-4\nline-5\n", all);
        String tail = daemon.stub.getCirqueDeviceLog(GetCirqueDeviceLogRequest.newBuilder()
                .setHomeId(home).setDeviceId(node.getDeviceId()).setTail(2).build()).getLog();
        assertEquals("line-4\nline-5\n", tail);
    }

    /** The node's log once it holds {@code text}, polled every 50 ms for up to 30 s. */
    private static String awaitLog(String home, CirqueDevice node, String text) {
        String[] log = {""};
        return Eventually.await("'" + text + "' in the log", java.time.Duration.ofSeconds(30), Eventually.EVERY, () -> {
            log[0] = daemon.stub.getCirqueDeviceLog(GetCirqueDeviceLogRequest.newBuilder().setHomeId(home)
                    .setDeviceId(node.getDeviceId()).build()).getLog();
            return log[0].contains(text) ? java.util.Optional.of(log[0]) : java.util.Optional.empty();
        }, () -> log[0]);
    }

    @Test
    void commandsAreSplitLikeAShellButNotRunThroughOne() {
        String home = newHome();
        CirqueDevice node = newNode(home, spec());
        assertEquals("a  b $HOME\n", exec(home, node, "echo 'a  b' '$HOME'"));
        assertEquals("x|y\n", exec(home, node, "sh -c \"echo x'|'y\""));
        assertEquals("out\nerr\n", exec(home, node, "sh -c 'echo out; sleep 0.2; echo err >&2'"));
    }

    @Test
    void aFloodOfOutputIsCutAndTheDaemonCarriesOn() {
        String home = newHome();
        CirqueDevice node = newNode(home, spec());
        String out = exec(home, node, "sh -c \"head -c 50000000 /dev/zero | tr '\\000' a\"");
        assertTrue(out.startsWith("a".repeat(4_000_000) + "\n[cirque: output cut at 4000000 bytes; 46000000 more"),
                out.substring(3_999_990, Math.min(out.length(), 4_000_100)));
        assertEquals("still here\n", exec(home, node, "echo still here"));
    }

    @Test
    void stoppingADeviceRemovesItsContainer() {
        String home = newHome();
        CirqueDevice keep = newNode(home, spec());
        CirqueDevice gone = newNode(home, spec());
        // Listed first: the kept list answer must follow the home's nodes as they change.
        assertEquals(List.of(keep, gone), daemon.stub.listCirqueHomeDevices(
                ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build()).getDevicesList());
        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setDeviceId(gone.getDeviceId()).build());

        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setDeviceId(gone.getDeviceId()).build()));
        assertEquals(List.of(keep), daemon.stub.listCirqueHomeDevices(
                ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build()).getDevicesList());
        List<String> left = daemon.leftovers(home);
        assertEquals(2, left.size(), "the kept node's container and the home network: " + left);
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setDeviceId(gone.getDeviceId()).build()));
        CirqueDevice added = newNode(home, spec());
        assertEquals(List.of(keep, added), daemon.stub.listCirqueHomeDevices(
                ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build()).getDevicesList());
    }

    @Test
    void stoppingAHomeRemovesEverythingItHad() {
        String home = newHome();
        newNode(home, spec());
        newNode(home, spec());
        assertEquals(3, daemon.leftovers(home).size(), "two containers and a network while it runs");
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals(List.of(), daemon.leftovers(home));
        assertFalse(daemon.stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdList().contains(home));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.listCirqueHomeDevices(
                ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build()));
    }

    @Test
    void unknownHomesAndDevicesAreNotFound() {
        String home = newHome();
        CirqueDevice node = newNode(home, spec());
        String nobody = "00000000-0000-0000-0000-000000000000";
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder()
                .setHomeId(nobody).setSpecification(spec()).build()));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.listCirqueHomeDevices(
                ListCirqueHomeDevicesRequest.newBuilder().setHomeId(nobody).build()));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.stopCirqueHome(
                StopCirqueHomeRequest.newBuilder().setHomeId(nobody).build()));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setDeviceId(nobody).build()));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder()
                .setHomeId(nobody).setDeviceId(node.getDeviceId()).build()));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest
                .newBuilder().setHomeId(home).setDeviceId(nobody).setCommand("true").build()));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.getCirqueDeviceLog(GetCirqueDeviceLogRequest.newBuilder()
                .setHomeId(home).setDeviceId(nobody).build()));
        assertCode(Status.Code.NOT_FOUND, () -> daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder()
                .setHomeId(home).build()));
        assertEquals(2, daemon.leftovers(home).size(), "bad calls touched nothing");
    }

    @Test
    void missingSpecificationIsInvalidArgument() {
        String home = newHome();
        StatusRuntimeException e = assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.stub.createCirqueDevice(
                CreateCirqueDeviceRequest.newBuilder().setHomeId(home).build()));
        assertTrue(e.getStatus().getDescription().contains("specification"), e.getStatus().getDescription());
        assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.stub.createCirqueDevice(
                CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                        .setSpecification(DeviceSpecification.getDefaultInstance()).build()));
        assertEquals(1, daemon.leftovers(home).size(), "only the home's network");
    }

    @Test
    void missingImageFailsThePreconditionAndSaysHowToBuildIt() {
        String home = newHome();
        StatusRuntimeException e = assertCode(Status.Code.FAILED_PRECONDITION, () ->
                daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                        .setSpecification(DeviceSpecification.newBuilder().setDeviceType("thermostat")
                                .setBaseImage("cirque-test/no-such-image:1")).build()));
        String msg = e.getStatus().getDescription();
        assertTrue(msg.contains("cirque-test/no-such-image:1") && msg.contains("build-images.sh"), msg);
        assertEquals(1, daemon.leftovers(home).size(), "only the home's network");
    }

    @Test
    void capabilityThisDaemonLacksIsRefusedBeforeAnythingIsCreated() {
        String home = newHome();
        StatusRuntimeException e = assertCode(Status.Code.INVALID_ARGUMENT, () ->
                daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                        .setSpecification(spec().toBuilder().setMountCapability(MountCapability.getDefaultInstance()))
                        .build()));
        assertTrue(e.getStatus().getDescription().contains("Mount"), e.getStatus().getDescription());
        assertEquals(1, daemon.leftovers(home).size(), "only the home's network");
    }

    @Test
    void failingCommandIsAbortedWithItsOutput() {
        String home = newHome();
        CirqueDevice node = newNode(home, spec());
        StatusRuntimeException e = assertCode(Status.Code.ABORTED, () ->
                exec(home, node, "sh -c 'echo it broke; echo badly >&2; exit 3'"));
        // stdout and stderr reach Docker through separate pipes: lines written back to back
        // on the two may arrive in either order.
        assertEquals(Set.of("it broke", "badly"), Set.of(e.getStatus().getDescription().split("\n")));
        assertCode(Status.Code.ABORTED, () -> exec(home, node, "no-such-program"));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> exec(home, node, "echo 'unbalanced"));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> exec(home, node, "   "));
    }

    @Test
    void aCommandPastItsDeadlineIsCutShort() {
        String home = newHome();
        CirqueDevice node = newNode(home, spec());
        long start = System.nanoTime();
        assertCode(Status.Code.DEADLINE_EXCEEDED, () -> daemon.stub.withDeadlineAfter(1, TimeUnit.SECONDS)
                .executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                        .setDeviceId(node.getDeviceId()).setCommand("sh -c 'sleep 30 | cat'").build()));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
        // The daemon killed it inside the node (give the kill a moment to land).
        String ps = "";
        for (int i = 0; i < 50 && (ps = exec(home, node, "ps -eo args")).contains("sleep 30"); i++) {
            sleep(100);
        }
        assertFalse(ps.contains("sleep 30"), ps);
        assertFalse(ps.lines().anyMatch(l -> l.strip().equals("cat")), "the whole pipeline was killed: " + ps);
    }

    @Test
    void twoHomesGetDistinctNetworks() {
        String a = newHome();
        String b = newHome();
        assertNotEquals(a, b);
        CirqueDevice na = newNode(a, spec());
        CirqueDevice nb = newNode(b, spec());
        String subnetA = na.getDeviceDescription().getIpv4Addr().replaceAll("\\.\\d+$", "");
        String subnetB = nb.getDeviceDescription().getIpv4Addr().replaceAll("\\.\\d+$", "");
        assertNotEquals(subnetA, subnetB);
    }

    // --- helpers -------------------------------------------------------------------------

    private static DeviceSpecification spec() {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build();
    }

    private String newHome() {
        String id = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
        homesMade.add(id);
        return id;
    }

    private static CirqueDevice newNode(String home, DeviceSpecification spec) {
        return daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setSpecification(spec).build()).getDevice();
    }

    private static String exec(String home, CirqueDevice node, String command) {
        return daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder()
                .setHomeId(home).setDeviceId(node.getDeviceId()).setCommand(command).build()).getOutput();
    }

    private static StatusRuntimeException assertCode(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription() != null && !e.getStatus().getDescription().isBlank(),
                "every error carries a message");
        return e;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
