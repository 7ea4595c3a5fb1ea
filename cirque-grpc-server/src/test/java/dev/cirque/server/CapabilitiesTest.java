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
import dev.cirque.proto.InteractiveCapability;
import dev.cirque.proto.MountCapability;
import dev.cirque.proto.MountPair;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.TrafficControlCapability;
import dev.cirque.proto.WeaveCapability;
import dev.cirque.proto.XvncCapability;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Each capability on real containers: its effect seen from inside the node and from the host. */
class CapabilitiesTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass(); // checks nothing is left after the class

    private String home;
    @TempDir
    Path dir;

    @BeforeEach
    void newHome() {
        home = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
    }

    @AfterEach
    void homeLeavesNothing() {
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals(List.of(), daemon.leftovers(home));
    }

    @Test
    void mountSharesAHostDirectoryBothWays() throws Exception {
        Files.writeString(dir.resolve("from-host.txt"), "hello node\n");
        CirqueDevice node = create(spec().setMountCapability(mounts(dir.toString(), "/mnt/shared")));
        assertEquals("hello node\n", exec(node, "cat /mnt/shared/from-host.txt"));
        exec(node, "sh -c 'echo hello host > /mnt/shared/from-node.txt'");
        assertEquals("hello host\n", Files.readString(dir.resolve("from-node.txt")));
    }

    @Test
    void mountPathsThatAreWrongOrDangerousAreRefused() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("sneaky"), Path.of("/etc"));
        for (String bad : List.of("relative/path", dir.resolve("missing").toString(), "/", "/var/run/docker.sock",
                "/etc", "/proc/self", link.toString(), "/run", "/root", "/boot", dir + "/nul\0in-path")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                    create(spec().setMountCapability(mounts(bad, "/mnt/x"))), bad);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
            assertTrue(e.getStatus().getDescription().contains("Mount host_path"), e.getStatus().getDescription());
        }
        StatusRuntimeException target = assertThrows(StatusRuntimeException.class, () ->
                create(spec().setMountCapability(mounts(dir.toString(), "relative"))));
        assertEquals(Status.Code.INVALID_ARGUMENT, target.getStatus().getCode());
        StatusRuntimeException nulTarget = assertThrows(StatusRuntimeException.class, () ->
                create(spec().setMountCapability(mounts(dir.toString(), "/mnt/a\0b"))));
        assertEquals(Status.Code.INVALID_ARGUMENT, nulTarget.getStatus().getCode(), nulTarget.getStatus().toString());
        assertEquals(1, daemon.leftovers(home).size(), "only the home's network");
    }

    @Test
    void weaveMountsTheCertificateReadOnlyAndTurnsForwardingOn() throws Exception {
        Path cert = Files.writeString(dir.resolve("provisioning.config"), "certificate-bytes");
        CirqueDevice node = create(spec().setWeaveCapability(
                WeaveCapability.newBuilder().setWeaveCertificatePath(cert.toString())));
        assertEquals("certificate-bytes",
                exec(node, "cat /mnt/stateful_partition/nestlabs/device_provisioning.config"));
        assertEquals("1\n", exec(node, "cat /proc/sys/net/ipv6/conf/all/forwarding"));
        assertEquals("0\n", exec(node, "cat /proc/sys/net/ipv6/conf/all/disable_ipv6"));
        StatusRuntimeException ro = assertThrows(StatusRuntimeException.class, () ->
                exec(node, "sh -c 'echo x > /mnt/stateful_partition/nestlabs/device_provisioning.config'"));
        assertTrue(ro.getStatus().getDescription().contains("Read-only"), ro.getStatus().getDescription());
    }

    @Test
    void trafficControlValuesOutOfRangeAreInvalid() {
        for (TrafficControlCapability bad : List.of(TrafficControlCapability.newBuilder().setLatencyMs(-1).build(),
                TrafficControlCapability.newBuilder().setLossRate(101).build(),
                TrafficControlCapability.newBuilder().setLossRate(-5).build())) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                    create(spec().setTrafficcontrolCapability(bad)));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad.toString());
        }
    }

    @Test
    void interactiveNodeGivesAPromptToDockerExecIt() throws Exception {
        CirqueDevice node = create(spec().setInteractiveCapability(InteractiveCapability.getDefaultInstance()));
        Process p = new ProcessBuilder("script", "-qfec", "docker exec -it " + node.getDeviceName() + " bash", "/dev/null")
                .redirectErrorStream(true).start();
        // Type only once bash shows its prompt: what it reads before that could be lost.
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(new OutputStream() {
                    @Override
                    public void write(int b) {
                        synchronized (seen) {
                            seen.write(b);
                            seen.notifyAll();
                        }
                    }
                });
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
        synchronized (seen) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!seen.toString(StandardCharsets.UTF_8).contains("root@") && System.nanoTime() < deadline) {
                seen.wait(1000);
            }
        }
        try (OutputStream keys = p.getOutputStream()) {
            keys.write("echo answer=$((6*7))\rexit\r".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String screen;
        synchronized (seen) {
            screen = seen.toString(StandardCharsets.UTF_8);
        }
        assertTrue(screen.contains("answer=42"), screen);
        assertTrue(screen.contains("root@"), "a bash prompt: " + screen);
    }

    @Test
    void theMatterDeviceCombinationWorksOnOneNode() throws Exception {
        Files.writeString(dir.resolve("repo.txt"), "chip");
        CirqueDevice node = create(spec()
                .setInteractiveCapability(InteractiveCapability.getDefaultInstance())
                .setTrafficcontrolCapability(TrafficControlCapability.newBuilder().setLossRate(1))
                .setMountCapability(mounts(dir.toString(), dir.toString())));
        assertEquals("chip", exec(node, "cat " + dir.resolve("repo.txt")));
        assertTrue(exec(node, "readlink /proc/1/fd/0").startsWith("/dev/pts/"));
        // The loss is the daemon's shaper's, on this kernel as on any: the capability says so.
        assertEquals("cirque ip shaper", daemon.httpState(home, node.getDeviceId()).get("capability")
                .get("TrafficControl").get("method").asText());
        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setDeviceId(node.getDeviceId()).build());
        assertEquals(1, daemon.leftovers(home).size(), "only the home's network");
        assertTrue(Files.exists(dir.resolve("repo.txt")), "the host's files stay");
    }

    @Test
    void xvncGivesTheNodeADisplayAndStopsWithIt() throws Exception {
        CirqueDevice node = create(spec().setXvncCapability(XvncCapability.newBuilder().setLocalhost(true)));
        assertEquals(":0\n", exec(node, "sh -c 'echo $DISPLAY'"));
        // An X client's first words, by hand: byte order 'l', protocol 11.0, no authorisation.
        // The server's first reply byte is 1 for Success.
        String reply = exec(node, "sh -c \"printf 'l\\000\\013\\000\\000\\000\\000\\000\\000\\000\\000\\000'"
                + " | socat -t 2 - UNIX-CONNECT:/tmp/.X11-unix/X0 2>/dev/null | head -c 1 | od -An -tu1\"");
        assertEquals("1", reply.strip(), "X11 connection setup answered Success");

        JsonNode xvnc = daemon.httpState(home, node.getDeviceId()).get("capability").get("Xvnc");
        int display = xvnc.get("display_id").asInt();
        long pid = xvnc.get("pid").asLong();
        try (Socket vnc = new Socket("127.0.0.1", 5900 + display)) {
            byte[] greeting = vnc.getInputStream().readNBytes(12);
            assertTrue(new String(greeting, StandardCharsets.US_ASCII).startsWith("RFB "), "a VNC server answers");
        }
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "Xvnc runs on the host");

        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setDeviceId(node.getDeviceId()).build());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "Xvnc stopped with its node");
        assertFalse(Files.exists(Path.of("/tmp/.X11-unix/X" + display)), "its socket removed");
    }

    @Test
    void vncStaysOnLoopbackUnlessTheOperatorExposesItAndThenAsksForAPassword() throws Exception {
        // Asking for every interface (localhost false) from a daemon that does not expose VNC.
        CirqueDevice kept = create(spec().setXvncCapability(XvncCapability.newBuilder().setLocalhost(false)));
        JsonNode keptState = daemon.httpState(home, kept.getDeviceId()).get("capability").get("Xvnc");
        int keptPort = 5900 + keptState.get("display_id").asInt();
        assertEquals("127.0.0.1", listeningAddress(keptPort), "VNC on loopback only");
        assertEquals(List.of(1), securityTypes(keptPort), "no password on loopback (security type None)");
        assertTrue(keptState.get("localhost").asBoolean());

        try (TestDaemon exposing = new TestDaemon(new HostSettings(MountPolicy.anyPath(), Map.of("xvnc.expose", "true")))) {
            String other = exposing.newHome();
            try {
                CirqueDevice open = exposing.create(other, spec().setXvncCapability(XvncCapability.getDefaultInstance()));
                JsonNode state = exposing.httpState(other, open.getDeviceId()).get("capability").get("Xvnc");
                int port = 5900 + state.get("display_id").asInt();
                assertEquals("0.0.0.0", listeningAddress(port), "exposed: every interface");
                assertEquals(List.of(2), securityTypes(port), "exposed: VNC authentication only");
                assertEquals(8, state.get("vnc_password").asText().length(), state.toString());
            } finally {
                exposing.stopHome(other);
            }
        }
    }

    /** The IPv4 address a TCP port listens on, from /proc/net/tcp. */
    private static String listeningAddress(int port) throws IOException {
        String hexPort = String.format(":%04X", port);
        for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
            String[] f = line.strip().split("\\s+");
            if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                long ip = Long.parseLong(f[1].substring(0, 8), 16);
                return (ip & 0xff) + "." + (ip >> 8 & 0xff) + "." + (ip >> 16 & 0xff) + "." + (ip >> 24 & 0xff);
            }
        }
        throw new AssertionError("nothing listens on port " + port);
    }

    /** The security types a VNC server offers, from the first steps of the RFB 3.8 handshake. */
    private static List<Integer> securityTypes(int port) throws IOException {
        try (Socket vnc = new Socket("127.0.0.1", port)) {
            byte[] version = vnc.getInputStream().readNBytes(12);
            vnc.getOutputStream().write(version);
            int n = vnc.getInputStream().read();
            List<Integer> types = new ArrayList<>();
            for (byte b : vnc.getInputStream().readNBytes(n)) {
                types.add(b & 0xff);
            }
            return types;
        }
    }

    // --- helpers -------------------------------------------------------------------------

    private static DeviceSpecification.Builder spec() {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE);
    }

    private static MountCapability mounts(String host, String target) {
        return MountCapability.newBuilder()
                .addMountPairs(MountPair.newBuilder().setHostPath(host).setTargetPath(target)).build();
    }

    private CirqueDevice create(DeviceSpecification.Builder spec) {
        return daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setSpecification(spec).build()).getDevice();
    }

    private String exec(CirqueDevice node, String command) {
        return exec(node, command, false);
    }

    /** With {@code failureIsOutput}, a non-zero exit (ping with losses) still gives the output. */
    private String exec(CirqueDevice node, String command, boolean failureIsOutput) {
        try {
            return daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                    .setDeviceId(node.getDeviceId()).setCommand(command).build()).getOutput();
        } catch (StatusRuntimeException e) {
            if (failureIsOutput && e.getStatus().getCode() == Status.Code.ABORTED) {
                return e.getStatus().getDescription();
            }
            throw e;
        }
    }
}
