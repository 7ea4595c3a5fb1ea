package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.LanAccessCapability;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The home's networks (LAN, internal, Ipv6, IpvLan) and LanAccess, on real containers.
 * The IpvLan parent is a veth pair made for the test, and the "host LAN" is a network
 * namespace of the test's own: no traffic leaves this machine.
 */
class NetworksTest {

    private static final String PARENT = "cqtest-lan0";
    private static final String PEER = "cqtest-lan1";
    /** A LAN host: its own namespace, linked to the host by a veth pair. */
    private static final String LAN_NS = "cqtest-lanhost";
    private static final String LAN_HOST_SIDE = "cqtest-lanh";
    private static final String LAN_NS_SIDE = "cqtest-lann";
    private static final String LAN_HOST_IP = "10.254.254.1";
    private static final String LAN_NS_IP = "10.254.254.2";

    private static TestDaemon daemon;
    private String home;

    @BeforeAll
    static void start() throws Exception {
        cleanupHostLinks();
        sh("ip", "link", "add", PARENT, "type", "veth", "peer", "name", PEER);
        sh("ip", "link", "set", PARENT, "up");
        sh("ip", "link", "set", PEER, "up");
        sh("ip", "netns", "add", LAN_NS);
        sh("ip", "link", "add", LAN_HOST_SIDE, "type", "veth", "peer", "name", LAN_NS_SIDE);
        sh("ip", "link", "set", LAN_NS_SIDE, "netns", LAN_NS);
        sh("ip", "addr", "add", LAN_HOST_IP + "/24", "dev", LAN_HOST_SIDE);
        sh("ip", "link", "set", LAN_HOST_SIDE, "up");
        sh("ip", "netns", "exec", LAN_NS, "ip", "addr", "add", LAN_NS_IP + "/24", "dev", LAN_NS_SIDE);
        sh("ip", "netns", "exec", LAN_NS, "ip", "link", "set", LAN_NS_SIDE, "up");
        sh("ip", "netns", "exec", LAN_NS, "ip", "route", "add", "default", "via", LAN_HOST_IP);
        daemon = new TestDaemon(new HostSettings(MountPolicy.anyPath(), Map.of("ipvlan.parent", PARENT)));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            daemon.close();
        } finally {
            cleanupHostLinks();
        }
    }

    @BeforeEach
    void newHome() {
        home = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
    }

    @AfterEach
    void homeLeavesNothing() throws Exception {
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals(List.of(), daemon.leftovers(home));
        assertFalse(sh("iptables", "-S", "DOCKER-USER").contains("cirque:" + home), "iptables rules left");
    }

    @Tag("engine")
    @Test
    void internalNodesReachEachOtherAndNothingElse() {
        CirqueDevice a = create(spec().setDockerNetwork("internal"));
        CirqueDevice b = create(spec().setLanAccessCapability(LanAccessCapability.newBuilder().setInternalLan(true)));
        CirqueDevice lan = create(spec());
        exec(a, "ping -c 1 -W 2 " + b.getDeviceDescription().getIpv4Addr());
        // Docker keeps a default route on internal networks and drops what leaves in iptables.
        assertAborted(() -> exec(a, "ping -c 1 -W 1 " + LAN_NS_IP));
        assertAborted(() -> exec(a, "ping -c 1 -W 1 " + lan.getDeviceDescription().getIpv4Addr()));
        assertAborted(() -> exec(lan, "ping -c 1 -W 1 " + a.getDeviceDescription().getIpv4Addr()));
    }

    @Test
    void ipv6NodesGetAddressesOfTheHomesOwnSubnetAndPingOverThem() {
        CirqueDevice a = create(spec().setDockerNetwork("Ipv6"));
        CirqueDevice b = create(spec().setDockerNetwork("Ipv6"));
        String v6 = b.getDeviceDescription().getIpv6Addr();
        assertTrue(v6.startsWith("fd63:6972:7175:"), "a /64 of the daemon's ULA range (--home-subnets6): " + v6);
        assertEquals(v6.substring(0, v6.lastIndexOf(':')), a.getDeviceDescription().getIpv6Addr().substring(0,
                a.getDeviceDescription().getIpv6Addr().lastIndexOf(':')), "both in the home's own /64");
        assertTrue(a.getDeviceDescription().getIpv4Addr().matches("[\\d.]+"), "IPv4 too");
        assertTrue(exec(b, "ip -6 addr show dev eth0").contains(v6));
        exec(a, "ping -6 -c 1 -W 3 " + v6);
    }

    @Test
    void ipvlanFallsBackToMacvlanWhereTheKernelHasNoIpvlanAndSaysSoAndEachNodesInterfaceIsRecorded() throws Exception {
        CirqueDevice a = create(spec().setDockerNetwork("IpvLan"));
        CirqueDevice b = create(spec().setDockerNetwork("IpvLan"));
        exec(a, "ping -c 1 -W 3 " + b.getDeviceDescription().getIpv4Addr());
        JsonNode net = daemon.httpState(home, a.getDeviceId()).get("description").get("docker_network");
        assertEquals("IpvLan", net.get("kind").asText());
        boolean ipvlan = sh("sh", "-c", "ip link add link " + PARENT + " name cqtest-iv type ipvlan mode l2"
                + " && ip link del cqtest-iv && echo yes || echo no").strip().equals("yes");
        assertEquals(ipvlan ? "ipvlan" : "macvlan", net.get("driver").asText(), net.toString());
        if (!ipvlan) {
            assertTrue(net.get("note").asText().contains("no ipvlan"), net.toString());
        }

        // No host bridge carries these frames: the recording has each node's own interface. The
        // recorder reads dumpcap's pipe as frames come: the last ones may take a moment to be in.
        String network = "cirque-" + home + "-ipvlan/";
        String ipA = a.getDeviceDescription().getIpv4Addr();
        String ipB = b.getDeviceDescription().getIpv4Addr();
        Map<String, List<String>> pings = new java.util.TreeMap<>();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            java.net.http.HttpResponse<byte[]> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.httpPort()
                            + "/recording/" + home)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            List<RecordedFrames.Frame> frames = RecordedFrames.read(RecordingTest.entries(r.body())
                    .get("recording.pcapng"));
            for (CirqueDevice n : List.of(a, b)) {
                String iface = network + daemon.httpState(home, n.getDeviceId()).path("name").asText();
                pings.put(iface, frames.stream().filter(f -> f.iface().equals(iface)).map(NetworksTest::icmp)
                        .filter(p -> !p.isEmpty()).toList());
            }
            boolean both = pings.values().stream().allMatch(p -> p.containsAll(List.of(ipA + ">" + ipB + " 8",
                    ipB + ">" + ipA + " 0")));
            if (both || System.nanoTime() > deadline) {
                assertTrue(both, "each node's interface with the echo request and reply: " + pings);
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L); // between looks at the recording
        }
    }

    /** An Ethernet frame's ICMP as {@code src>dst type}, or empty for any other frame. */
    private static String icmp(RecordedFrames.Frame f) {
        byte[] d = f.data();
        if (d.length < 35 || (d[12] & 0xff) != 0x08 || d[13] != 0 || d[23] != 1) {
            return "";
        }
        return ip(d, 26) + ">" + ip(d, 30) + " " + (d[34] & 0xff);
    }

    private static String ip(byte[] d, int at) {
        return (d[at] & 0xff) + "." + (d[at + 1] & 0xff) + "." + (d[at + 2] & 0xff) + "." + (d[at + 3] & 0xff);
    }

    @Test
    void unknownNetworksAreInvalid() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                create(spec().setDockerNetwork("Wormhole")));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        StatusRuntimeException conflict = assertThrows(StatusRuntimeException.class, () -> create(spec()
                .setDockerNetwork("Ipv6").setLanAccessCapability(LanAccessCapability.newBuilder().setInternalLan(true))));
        assertEquals(Status.Code.INVALID_ARGUMENT, conflict.getStatus().getCode());
        assertTrue(conflict.getStatus().getDescription().contains("conflicting networks"));
    }

    @Tag("engine")
    @Test
    void lanAccessOpensTheNodeToTheHostLanBothWaysAndClosesOnStop() throws Exception {
        CirqueDevice open = create(spec().setLanAccessCapability(LanAccessCapability.getDefaultInstance()));
        CirqueDevice closed = create(spec());
        String openIp = open.getDeviceDescription().getIpv4Addr();
        String closedIp = closed.getDeviceDescription().getIpv4Addr();
        for (String ip : List.of(openIp, closedIp)) {
            sh("ip", "netns", "exec", LAN_NS, "ip", "route", "replace", ip + "/32", "via", LAN_HOST_IP);
        }

        // LAN -> node: a TCP service in each node; only the one with LanAccess can be reached.
        for (CirqueDevice node : List.of(open, closed)) {
            exec(node, "sh -c 'socat TCP-LISTEN:7777,fork,reuseaddr SYSTEM:\"echo hello\" >/dev/null 2>&1 &'");
        }
        assertEquals("hello", lanConnect(openIp), "the LAN host reaches the LanAccess node");
        assertEquals("", lanConnect(closedIp), "the LAN host does not reach a node without LanAccess");
        // node -> LAN: out through NAT, as any node.
        exec(open, "ping -c 1 -W 2 " + LAN_NS_IP);
        assertTrue(sh("iptables", "-S", "DOCKER-USER").contains("cirque:" + home + ":" + open.getDeviceId()));

        // Another home's node does not get in through the LanAccess rules.
        String other = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
        try {
            CirqueDevice stranger = daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder()
                    .setHomeId(other).setSpecification(spec()).build()).getDevice();
            assertAborted(() -> daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder()
                    .setHomeId(other).setDeviceId(stranger.getDeviceId())
                    .setCommand("ping -c 1 -W 1 " + openIp).build()));
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(other).build());
        }

        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setDeviceId(open.getDeviceId()).build());
        assertFalse(sh("iptables", "-S", "DOCKER-USER").contains(open.getDeviceId()), "rules deleted on stop");
    }

    // --- helpers -------------------------------------------------------------------------

    /** Connects from the LAN host to port 7777 of {@code ip}; what it read, empty if it could not. */
    private static String lanConnect(String ip) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", LAN_NS, "timeout", "3", "bash", "-c",
                "cat < /dev/tcp/" + ip + "/7777").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue() == 0 ? out : "";
    }


    private static void cleanupHostLinks() throws IOException, InterruptedException {
        for (List<String> c : List.of(List.of("ip", "link", "del", PARENT), List.of("ip", "link", "del", LAN_HOST_SIDE),
                List.of("ip", "netns", "del", LAN_NS))) {
            new ProcessBuilder(c).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Runs a host command that must succeed; returns its output. */
    private static String sh(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(argv))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
        return out;
    }

    private static DeviceSpecification.Builder spec() {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE);
    }

    private CirqueDevice create(DeviceSpecification.Builder spec) {
        return daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setSpecification(spec).build()).getDevice();
    }

    private String exec(CirqueDevice node, String command) {
        return daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(node.getDeviceId()).setCommand(command).build()).getOutput();
    }

    private static void assertAborted(org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.ABORTED, e.getStatus().getCode(), e.getStatus().toString());
    }
}
