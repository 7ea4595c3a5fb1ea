package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.home.Janitor;
import dev.cirque.core.home.Labels;
import dev.cirque.core.host.HostLedger;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.DeviceSpecification;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The daemon as users start it: its own JVM, its flags, and its shutdown on SIGTERM. */
class DaemonProcessTest {

    /** Every daemon a test starts, ended (SIGKILL) whatever happens to the test. */
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void endDaemons() {
        started.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
    }

    @Test
    void helpListsTheFlags() throws Exception {
        DaemonProcess run = start("--help");
        assertEquals(0, run.process.waitFor(60, TimeUnit.SECONDS) ? run.process.exitValue() : -1);
        String out = run.output();
        assertTrue(out.contains("--grpc-address") && out.contains("--docker-host") && out.contains("--insecure"), out);
    }

    @Test
    void aNonLoopbackAddressNeedsInsecure() throws Exception {
        DaemonProcess run = start("--grpc-address", "0.0.0.0:" + freePort());
        assertTrue(run.process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, run.process.exitValue(), run.output());
        assertTrue(run.output().contains("--insecure"), run.output());
    }

    @Test
    void aTokenOffLoopbackWithoutTlsIsWarnedAbout() throws Exception {
        Path token = Files.writeString(Files.createTempFile("cirque-token", ""), "s3cret-token-for-the-test");
        try {
            DaemonProcess run = start("--grpc-address", "0.0.0.0:" + freePort(), "--no-http", "--token-file",
                    token.toString());
            run.awaitLine("the bearer token crosses the network in clear text", 60);
        } finally {
            Files.deleteIfExists(token);
        }
    }

    @Test
    void limitsAndTimesOutOfRangeAreRefusedAtStart() throws Exception {
        for (String[] bad : new String[][] {{"--max-request-bytes", "2147483647"}, {"--max-homes", "-1"},
                {"--max-nodes-per-home", "0"}, {"--docker-timeout", "0"}, {"--shutdown-timeout", "-5"},
                {"--max-command-bytes", "-1"}, {"--http-workers", "0"}, {"--http-read-timeout", "0"},
                {"--home-subnets", "10.0.0.0/25"}, {"--home-subnets6", "fd00::/64"}}) {
            DaemonProcess run = start(bad[0], bad[1], "--grpc-address", "127.0.0.1:" + freePort(), "--no-http");
            assertTrue(run.process.waitFor(60, TimeUnit.SECONDS));
            String out = run.output();
            assertEquals(2, run.process.exitValue(), String.join(" ", bad) + ": " + out);
            assertTrue(out.contains(bad[0] + " must be"), out);
            assertTrue(!out.contains("Exception"), "a usage error, not a stack trace: " + out);
        }
    }

    @Test
    void sigtermTearsEveryHomeDownBeforeExit() throws Exception {
        int port = freePort();
        DaemonProcess run = start("--grpc-address", "127.0.0.1:" + port, "--http-address", "127.0.0.1:" + freePort());
        run.awaitLine("gRPC listening", DaemonProcess.startBoundSeconds(60));
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        String home;
        try {
            assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(2, TimeUnit.MINUTES);
            home = stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            for (int i = 0; i < 2; i++) {
                stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                        .setSpecification(DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE))
                        .build());
            }
        } finally {
            channel.shutdownNow();
        }
        try (DockerEngine engine = DockerEngine.connect(null)) {
            assertEquals(2, engine.containersLabelled(Labels.home(home)).size());

            run.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our pipes
            assertTrue(run.process.waitFor(60, TimeUnit.SECONDS), "daemon did not exit on SIGTERM");
            assertEquals(0, run.process.exitValue(), "an orderly shutdown exits 0");
            assertTrue(run.output().contains("stopped: 1 home(s) torn down"), run.output());
            assertEquals(List.of(), engine.containersLabelled(Labels.home(home)));
            assertEquals(List.of(), engine.networksLabelled(Labels.home(home)));
        }
    }

    @Test
    void aSecondSigtermExitsAtOnce() throws Exception {
        int port = freePort();
        DaemonProcess run = start("--grpc-address", "127.0.0.1:" + port, "--http-address", "127.0.0.1:" + freePort());
        run.awaitLine("gRPC listening", DaemonProcess.startBoundSeconds(60));
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try (DockerEngine engine = DockerEngine.connect(null)) {
            CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(2, TimeUnit.MINUTES);
            CreateCirqueHomeWithDevicesRequest.Builder home = CreateCirqueHomeWithDevicesRequest.newBuilder();
            for (int i = 0; i < 6; i++) {
                home.putDevices("n" + i, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build());
            }
            String id = stub.createCirqueHomeWithDevices(home.build()).getHomeId();
            channel.shutdownNow();

            run.process.toHandle().destroy();
            run.awaitLine("shutting down", 10);
            long t0 = System.nanoTime();
            run.process.toHandle().destroy();
            assertTrue(run.process.waitFor(10, TimeUnit.SECONDS), "a second SIGTERM ends it at once");
            assertEquals(143, run.process.exitValue());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
            assertTrue(run.output().contains("exiting now"), run.output());

            // What the cut-short teardown left is the next start's to sweep; sweep it here.
            Janitor.sweep(engine, HostLedger.defaultLedger());
            assertEquals(List.of(), engine.containersLabelled(Labels.home(id)));
            assertEquals(List.of(), engine.networksLabelled(Labels.home(id)));
        }
    }

    // --- helpers -------------------------------------------------------------------------

    private DaemonProcess start(String... args) throws IOException {
        DaemonProcess d = DaemonProcess.start(args);
        started.add(d.process);
        return d;
    }

    private static int freePort() throws IOException {
        return DaemonProcess.freePort();
    }
}
