package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Labels;
import dev.cirque.core.home.Limits;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.server.http.HttpLimits;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Faults injected on purpose, and the daemon's caps. Each test prints its figures. */
class FaultsAndLimitsTest {

    @TempDir
    Path dir;

    @Test
    void aCapabilityFailingMidCreateLeavesNothing() throws Exception {
        try (TestDaemon d = new TestDaemon()) {
            String home = d.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> d.stub.createCirqueDevice(
                    CreateCirqueDeviceRequest.newBuilder().setHomeId(home).setSpecification(DeviceSpecification
                            .newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).putExtraCapabilities("Faulty",
                                    Struct.newBuilder().putFields("dir", Value.newBuilder()
                                            .setStringValue(dir.toString()).build()).build())).build()));
            assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("capability Faulty: enable")
                    && e.getStatus().getDescription().contains("failing on purpose"), e.getStatus().getDescription());
            long leaked = d.leftovers(home).size() - 1 + Files.list(dir).count(); // the home's network stays
            System.out.println("faults injected: 1 (capability failing after start); objects leaked: " + leaked);
            assertEquals(0, leaked, "container and both host files undone");
            d.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    @Test
    void dockerGoingAwayIsUnavailableAndComingBackWorksAgain() throws Exception {
        // The daemon reaches Docker through a proxy this test can cut: stopping dockerd
        // itself would take every other test's engine with it.
        try (DockerProxy proxy = new DockerProxy();
                DockerEngine engine = DockerEngine.connect("tcp://127.0.0.1:" + proxy.port(), Duration.ofSeconds(10))) {
            DaemonServer server = new DaemonServer(new HomeService(engine, CapabilityRegistry.fromClassPath()),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null).start();
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(2, TimeUnit.MINUTES);
            try {
                String before = stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
                proxy.stop();
                StatusRuntimeException down = assertThrows(StatusRuntimeException.class, () ->
                        stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAVAILABLE, down.getStatus().getCode());
                assertTrue(down.getStatus().getDescription().contains("does not answer"), down.getStatus().getDescription());
                proxy.start();
                String after = stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
                stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(after).setSpecification(
                        DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)).build());
                for (String home : List.of(before, after)) {
                    stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
                }
                long leaked = engine.containersLabelled(Labels.home(before)).size()
                        + engine.containersLabelled(Labels.home(after)).size();
                System.out.println("faults injected: 1 (Docker unreachable, then back); objects leaked: " + leaked);
                assertEquals(0, leaked);
            } finally {
                ch.shutdownNow();
                if (!proxy.running()) {
                    proxy.start(); // so the teardown can reach Docker
                }
                server.stop();
            }
        }
    }

    @Test
    void capsOnHomesNodesCommandsAndRequests() throws Exception {
        try (DockerEngine engine = DockerEngine.connect(null)) {
            InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            DaemonServer server = new DaemonServer(new HomeService(engine, CapabilityRegistry.fromClassPath(),
                    new Limits(2, 2, 100)), any, any, Security.none(), HttpLimits.defaults().withMaxBodyBytes(64 * 1024))
                    .start();
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(2, TimeUnit.MINUTES);
            try {
                String a = stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
                stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance());
                exhausted(() -> stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()), "--max-homes");

                CreateCirqueDeviceRequest node = CreateCirqueDeviceRequest.newBuilder().setHomeId(a)
                        .setSpecification(DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)).build();
                String device = stub.createCirqueDevice(node).getDevice().getDeviceId();
                stub.createCirqueDevice(node);
                exhausted(() -> stub.createCirqueDevice(node), "--max-nodes-per-home");
                assertEquals(3, engine.containersLabelled(Labels.home(a)).size() + 1, "the refused node made nothing");

                exhausted(() -> stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(a)
                        .setDeviceId(device).setCommand("echo " + "x".repeat(100)).build()), "--max-command-bytes");
                StatusRuntimeException big = assertThrows(StatusRuntimeException.class, () ->
                        stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(a)
                                .setDeviceId(device).setCommand("x".repeat(100_000)).build()));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, big.getStatus().getCode(), "gRPC message size");

                HttpResponse<String> tooBig = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + server.httpPort() + "/create_home"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"d\": \"" + "x".repeat(70_000) + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(413, tooBig.statusCode(), tooBig.body());
            } finally {
                ch.shutdownNow();
                server.stop();
            }
            assertEquals(List.of(), engine.containersLabelled(Labels.managed()));
        }
        assertTrue(HttpLimits.defaults().maxBodyBytes() > 64 * 1024);
    }

    private static void exhausted(Executable call, String mentions) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(mentions), e.getStatus().getDescription());
    }

    /** TCP on loopback to the Docker socket, which the test can stop and start again on the same port. */
    private static final class DockerProxy implements AutoCloseable {
        private final int port;
        private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
        private ServerSocket listener;

        DockerProxy() throws IOException {
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            start();
        }

        int port() {
            return port;
        }

        boolean running() {
            return listener != null && !listener.isClosed();
        }

        void start() throws IOException {
            listener = new ServerSocket();
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            open.add(listener);
            ServerSocket l = listener;
            Thread accept = new Thread(() -> {
                while (!l.isClosed()) {
                    try {
                        Socket client = l.accept();
                        SocketChannel docker = SocketChannel.open(StandardProtocolFamily.UNIX);
                        docker.connect(UnixDomainSocketAddress.of("/var/run/docker.sock"));
                        open.add(client);
                        open.add(docker);
                        // The channel's own read and write, not Channels' streams: those share one
                        // lock, so a blocked read would keep every write out.
                        pump(() -> {
                            byte[] buf = new byte[16384];
                            for (int n; (n = client.getInputStream().read(buf)) > 0; ) {
                                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                                while (b.hasRemaining()) {
                                    docker.write(b);
                                }
                            }
                        });
                        pump(() -> {
                            ByteBuffer b = ByteBuffer.allocate(16384);
                            while (docker.read(b) > 0) {
                                client.getOutputStream().write(b.array(), 0, b.position());
                                b.clear();
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
        }

        void stop() {
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception e) {
                    // already closed
                }
            }
            open.clear();
        }

        @Override
        public void close() {
            stop();
        }

        private interface Io {
            void run() throws IOException;
        }

        private static void pump(Io io) {
            Thread t = new Thread(() -> {
                try {
                    io.run();
                } catch (IOException e) {
                    // one side closed
                }
            });
            t.setDaemon(true);
            t.start();
        }
    }
}
