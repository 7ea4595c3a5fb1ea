package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.home.Janitor;
import dev.cirque.core.home.Labels;
import dev.cirque.core.host.HostLedger;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.LanAccessCapability;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ThreadCapability;
import dev.cirque.proto.XvncCapability;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon killed with SIGKILL leaves its containers, networks, iptables rules and host
 * processes; the next daemon to start removes them, and leaves another live daemon's alone.
 */
class RestartSafetyTest {

    @TempDir
    Path dir;
    /** Every daemon this test starts, ended whatever happens to the test. */
    private final List<Daemon> started = new ArrayList<>();

    @AfterEach
    void endDaemons() throws InterruptedException {
        for (Daemon d : started) {
            d.kill();
        }
        // A test that failed half way may have left a killed daemon's objects: sweep them, so
        // that later tests' leak checks judge their own work.
        try (DockerEngine engine = DockerEngine.connect(null)) {
            Janitor.sweep(engine, HostLedger.defaultLedger());
        }
    }

    @Tag("engine-slow") // ten minutes on the Debian 13 VM under emulation: on demand there (docs/testing.md); CI runs the light sweep below
    @Test
    void theNextDaemonRemovesWhatAKilledOneLeftAndOnlyThat() throws Exception {
        Path bin = StandInRadios.install(dir);
        try (TestDaemon live = new TestDaemon()) {
            String liveHome = live.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            live.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(liveHome)
                    .setSpecification(node().setLanAccessCapability(LanAccessCapability.getDefaultInstance())).build());

            Daemon first = start(bin);
            String home = first.stub().createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            long oneNode = System.nanoTime();
            String lan = device(first, home, node().setLanAccessCapability(LanAccessCapability.getDefaultInstance()));
            oneNode = System.nanoTime() - oneNode; // this machine's pace: seconds under emulation
            String xvnc = device(first, home, node().setXvncCapability(XvncCapability.newBuilder().setLocalhost(true)));
            String thread = device(first, home, node().setThreadCapability(ThreadCapability.getDefaultInstance()));
            long xvncPid = first.state(home, xvnc).get("capability").get("Xvnc").get("pid").asLong();
            JsonNode radio = first.state(home, thread).get("capability").get("Thread");
            Path radioDir = Path.of(radio.get("work_dir").asText());
            long radioPid = radio.get("radio_pid").asLong();
            Path portGroup = HostLedger.defaultLedger().directory().resolve("leases").resolve("thread-port-offset")
                    .resolve(radio.get("port_offset").asText());
            assertTrue(first.state(home, lan).has("id"));
            first.kill();

            assertEquals(3, live.engine.containersLabelled(Labels.home(home)).size(), "the killed daemon's nodes stay");
            assertTrue(iptables().contains("cirque:" + home));
            assertTrue(alive(xvncPid), "its Xvnc server outlives it");
            assertTrue(Files.exists(radioDir));
            assertTrue(Files.exists(portGroup), "and so does its radio's port group lease");

            Daemon second = start(bin);
            String log = second.output();
            assertTrue(log.contains("start-up sweep: 3 orphaned container(s), 1 network(s), 2 iptables rule(s)"), log);
            assertEquals(List.of(), live.leftovers(home));
            assertFalse(iptables().contains("cirque:" + home), "its LanAccess rules are gone");
            assertFalse(alive(xvncPid), "its Xvnc server was ended");
            assertFalse(Files.exists(radioDir), "its radio's directory was removed");
            assertFalse(alive(radioPid), "its radio is not running");
            assertFalse(Files.exists(portGroup), "its radio's port group is free again");

            // A kill in the middle of creating a home leaves nothing after the next start either.
            CompletableFuture<?> creating = CompletableFuture.runAsync(() -> {
                CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
                for (int i = 0; i < 8; i++) {
                    b.putDevices("n" + i, node().build());
                }
                // No deadline of its own: the kill ends it (under emulation the first of 8 containers
                // came after the stub's 2 minutes, and the call ended before any was made).
                CirqueServiceGrpc.newBlockingStub(second.channel()).createCirqueHomeWithDevices(b.build());
            });
            // Kill once its first container exists and the call is still running: mid-create for sure.
            String secondOwner = second.process().pid() + ":";
            long deadline = System.nanoTime() + Math.max(TimeUnit.SECONDS.toNanos(60), 20 * oneNode);
            int madeBeforeKill = 0;
            while (madeBeforeKill == 0 && System.nanoTime() < deadline && !creating.isDone()) {
                madeBeforeKill = (int) live.engine.containersWithLabels(Labels.managed()).stream()
                        .filter(c -> c.labels().getOrDefault(Labels.OWNER, "").startsWith(secondOwner)).count();
            }
            assertTrue(madeBeforeKill > 0, "the second daemon made no container of the new home");
            assertFalse(creating.isDone(), "creation finished before the kill: not mid-create");
            second.kill();
            assertTrue(creating.handle((r, e) -> e != null).get(30, TimeUnit.SECONDS), "the call died with it");
            Daemon third = start(bin);
            third.close();
            List<String> others = live.ownLeftovers().stream()
                    .filter(o -> !live.leftovers(liveHome).contains(o)).toList();
            assertEquals(List.of(), others, "nothing but the live daemon's home is left");
            System.out.println("restart safety: faults injected: 2 (SIGKILL holding a home; SIGKILL mid-create);"
                    + " objects leaked: " + others.size());

            assertEquals(2, live.leftovers(liveHome).size(), "the live daemon's node and network were not touched");
            assertTrue(iptables().contains("cirque:" + liveHome), "nor its LanAccess rules");
            live.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(liveHome).build());
        }
    }

    /**
     * The restart sweep's core, light enough for every CI run on each VM host (the full sweep
     * above takes ten minutes under emulation): a killed daemon's node, network and LAN
     * access rules are removed by the start-up sweep every next daemon runs. On Debian 13 this
     * is the systemd cgroup driver's containers and iptables on nf_tables.
     */
    @Tag("engine")
    @Test
    void aKilledDaemonsNodeNetworkAndRulesAreSweptByTheNext() throws Exception {
        Path bin = StandInRadios.install(dir);
        Daemon first = start(bin);
        String home = first.stub().createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
        device(first, home, node().setLanAccessCapability(LanAccessCapability.getDefaultInstance()));
        first.kill();
        try (DockerEngine engine = DockerEngine.connect(null)) {
            assertEquals(1, engine.containersLabelled(Labels.home(home)).size(), "the killed daemon's node stays");
            assertTrue(iptables().contains("cirque:" + home), "and so do its LanAccess rules");

            // The next daemon's start-up sweep, run here: a second daemon's start took minutes under emulation.
            String swept = Janitor.sweep(engine, HostLedger.defaultLedger()).toString();
            assertTrue(swept.startsWith("1 orphaned container(s), 1 network(s), 2 iptables rule(s)"), swept);
            assertEquals(List.of(), engine.containersLabelled(Labels.home(home)));
            assertEquals(List.of(), engine.networksLabelled(Labels.home(home)));
            assertFalse(iptables().contains("cirque:" + home), "its LanAccess rules are gone");
        }
    }

    @Test
    void spareHomesOfAKilledDaemonAreSweptLikeTheRest() throws Exception {
        Path bin = StandInRadios.install(dir);
        Daemon first = start(bin, "--warm-homes", "1");
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        b.putDevices("a", node().build()).putDevices("b", node().build());
        String home = first.stub().createCirqueHomeWithDevices(b.build()).getHomeId();
        String owner = first.process().pid() + ":";
        try (DockerEngine engine = DockerEngine.connect(null)) {
            // Two nodes asked for, two more of the spare made in the background.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (owned(engine, owner) < 4 && System.nanoTime() < deadline) {
                Thread.sleep(50); // between looks at Docker, not instead of them
            }
            assertEquals(4, owned(engine, owner), first.output());
            assertTrue(first.output().contains("spare home"), first.output());
            first.kill();

            Daemon second = start(bin);
            assertTrue(second.output().contains("start-up sweep: 4 orphaned container(s), 2 network(s)"),
                    second.output());
            assertEquals(0, owned(engine, owner));
            assertEquals(List.of(), engine.networksLabelled(Labels.home(home)));
        }
    }

    // --- helpers -------------------------------------------------------------------------

    private static long owned(DockerEngine engine, String ownerPrefix) {
        return engine.containersWithLabels(Labels.managed()).stream()
                .filter(c -> c.labels().getOrDefault(Labels.OWNER, "").startsWith(ownerPrefix)).count();
    }

    private Daemon start(Path bin, String... options) throws Exception {
        Daemon d = Daemon.start(bin, options);
        started.add(d);
        return d;
    }

    private static DeviceSpecification.Builder node() {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE);
    }

    private static String device(Daemon d, String home, DeviceSpecification.Builder spec) {
        return d.stub().createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setSpecification(spec).build()).getDevice().getDeviceId();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String iptables() throws Exception {
        Process p = new ProcessBuilder("iptables", "-w", "5", "-S", "DOCKER-USER").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    /** A daemon in its own JVM, so it can be killed with SIGKILL. */
    private record Daemon(Process process, int grpcPort, int httpPort, ManagedChannel channel, StringBuilder log) {

        static Daemon start(Path otBin, String... options) throws Exception {
            int grpc = freePort();
            int http = freePort();
            List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            argv.addAll(DaemonProcess.JVM_OPTIONS);
            // DaemonProcess's class path: JUnit's console launcher (the VMs) adds the tests' own to it.
            argv.addAll(List.of("-cp", DaemonProcess.classPath(), CirqueDaemon.class.getName(),
                    "--grpc-address", "127.0.0.1:" + grpc, "--http-address", "127.0.0.1:" + http,
                    "--ot-bin-dir", otBin.toString()));
            argv.addAll(List.of(options));
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            StringBuilder log = new StringBuilder();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            for (String line = r.readLine(); ; line = r.readLine()) {
                if (line == null) {
                    throw new AssertionError("daemon ended at start:\n" + log);
                }
                log.append(line).append('\n');
                if (line.contains("gRPC listening")) {
                    break;
                }
            }
            Thread drain = new Thread(() -> {
                try {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        synchronized (log) {
                            log.append(line).append('\n');
                        }
                    }
                } catch (IOException e) {
                    // ended
                }
            });
            drain.setDaemon(true);
            drain.start();
            return new Daemon(p, grpc, http, ManagedChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build(), log);
        }

        CirqueServiceGrpc.CirqueServiceBlockingStub stub() {
            return CirqueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
        }

        JsonNode state(String home, String device) throws Exception {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + httpPort + "/device_state/" + home + "/" + device)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(r.body());
        }

        String output() {
            synchronized (log) {
                return log.toString();
            }
        }

        void kill() throws InterruptedException {
            if (!process.isAlive()) {
                return;
            }
            process.destroyForcibly(); // SIGKILL: no teardown runs
            process.waitFor(30, TimeUnit.SECONDS);
            channel.shutdownNow();
        }

        void close() throws InterruptedException {
            channel.shutdownNow();
            process.toHandle().destroy();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
