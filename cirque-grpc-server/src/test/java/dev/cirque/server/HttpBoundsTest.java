package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.core.testing.Eventually;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP clients that hang up early or never finish their request cannot wear the daemon
 * down (item 8 of the hardening issue). The daemon runs in its own JVM under a low fd
 * limit, as the issue found it: with the JDK's built-in server, 320 early hang-ups
 * exhausted 300 fds and both HTTP and gRPC stopped accepting, and 200 half-sent requests
 * held 200 threads.
 */
class HttpBoundsTest {

    private static final int FD_LIMIT = 400;
    private static DaemonProcess daemon;
    private static ManagedChannel channel;
    private static int httpPort;
    private static long pid;

    @BeforeAll
    static void start() throws Exception {
        int grpcPort = DaemonProcess.freePort();
        httpPort = DaemonProcess.freePort();
        daemon = DaemonProcess.startUnder(List.of("prlimit", "--nofile=" + FD_LIMIT + ":" + FD_LIMIT, "--"),
                "--grpc-address", "127.0.0.1:" + grpcPort, "--http-address", "127.0.0.1:" + httpPort,
                "--http-read-timeout", "2", "--keep-orphans");
        daemon.awaitLine("HTTP listening", DaemonProcess.startBoundSeconds(60));
        pid = daemon.process.pid();
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (daemon != null) {
            if (!daemon.process.isAlive()) { // it should outlive every test: say how it ended
                System.err.println("the daemon under test ended with " + daemon.process.exitValue() + ":\n"
                        + daemon.output());
            }
            daemon.process.destroy();
            daemon.process.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void clientsThatHangUpBeforeTheirReplyLeaveNoFdBehind() throws Exception {
        assertServes();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < FD_LIMIT / 2; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), httpPort)) {
                    s.setSoLinger(true, 0); // a reset, as a killed client's
                    OutputStream out = s.getOutputStream();
                    out.write(i % 2 == 0 ? request("GET /get_homes") : partialPost(1000, "{\"a\":"));
                    out.flush();
                }
            }
        }
        awaitAtMost(0, HttpBoundsTest::httpSockets, "HTTP sockets the daemon holds after 600 early hang-ups");
        assertServes();
    }

    @Test
    void clientsThatHangUpWhileTheirCommandRunsLeaveNoFdBehind() throws Exception {
        CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(2, TimeUnit.MINUTES);
        CreateCirqueHomeWithDevicesResponse made = stub.createCirqueHomeWithDevices(CreateCirqueHomeWithDevicesRequest
                .newBuilder().putDevices("n", DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                        .build()).build());
        String path = "/device_cmd/" + made.getHomeId() + "/" + made.getDevicesOrThrow("n").getDeviceId() + "/sleep%201";
        try {
            assertServes();
            for (int i = 0; i < FD_LIMIT; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), httpPort)) {
                    s.getOutputStream().write(request("GET " + path));
                    s.getOutputStream().flush();
                } // gone before the command ends
            }
            awaitAtMost(0, HttpBoundsTest::httpSockets, "HTTP sockets the daemon holds after " + FD_LIMIT
                    + " hang-ups during a command");
            assertServes();
        } finally {
            stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(made.getHomeId()).build());
        }
    }

    @Test
    void halfSentRequestsHoldNoThreadAndAreClosedAtTheReadTimeout() throws Exception {
        assertServes();
        int idleThreads = threads();
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), httpPort);
                slow.add(s);
                s.getOutputStream().write(i % 2 == 0 ? "GET /get_ho".getBytes(StandardCharsets.US_ASCII)
                        : partialPost(100, "{"));
                s.getOutputStream().flush();
            }
            assertServes(); // others are still answered meanwhile
            assertTrue(threads() < idleThreads + 20, "threads: " + threads() + ", idle " + idleThreads);
            for (Socket s : slow) {
                s.setSoTimeout(15_000); // the daemon closes it at --http-read-timeout (2 s)
                assertEquals(-1, s.getInputStream().read(), "the daemon closed a request that never finished");
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
        awaitAtMost(0, HttpBoundsTest::httpSockets, "HTTP sockets the daemon holds after the slow clients");
        assertServes();
    }

    /** HTTP and gRPC both answer. */
    private static void assertServes() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + httpPort + "/get_homes")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        CirqueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance());
    }

    private static byte[] request(String line) {
        return (line + " HTTP/1.1\r\nHost: 127.0.0.1:" + httpPort + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A POST that announces {@code length} bytes of body and sends only {@code body}. */
    private static byte[] partialPost(int length, String body) {
        return ("POST /create_home HTTP/1.1\r\nHost: 127.0.0.1:" + httpPort + "\r\nContent-Length: " + length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Connected sockets on the HTTP port that a process still holds (the kernel's tables give
     * a socket no process holds, such as one in TIME_WAIT, inode 0). Only the daemon serves
     * that port, so these are the daemon's: fds that a leak would keep.
     */
    private static int httpSockets() {
        String port = String.format(":%04X ", httpPort);
        int held = 0;
        for (String table : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table))) {
                    String[] f = line.trim().split("\\s+");
                    boolean local = f.length > 9 && (f[1] + " ").endsWith(port);
                    if (local && !f[3].equals("0A") && !f[9].equals("0")) {
                        held++;
                    }
                }
            } catch (IOException e) {
                throw new AssertionError("the daemon is gone: " + e, e);
            }
        }
        return held;
    }

    private static int threads() throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("Threads:")).map(l -> Integer.parseInt(l.substring(8).strip()))
                .findFirst().orElseThrow();
    }

    /** Polls {@code value} until it is at most {@code max}, for up to 20 s. */
    private static void awaitAtMost(int max, IntSupplier value, String what) {
        int[] now = {0};
        Eventually.await(what + " at most " + max, java.time.Duration.ofSeconds(20), java.time.Duration.ofMillis(20),
                () -> (now[0] = value.getAsInt()) <= max ? java.util.Optional.of(true) : java.util.Optional.empty(),
                () -> String.valueOf(now[0]));
    }
}
