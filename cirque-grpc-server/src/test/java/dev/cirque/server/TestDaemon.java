package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Limits;
import dev.cirque.core.home.Labels;
import dev.cirque.core.recording.Recordings;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real daemon for tests: the gRPC server on a free loopback port, driving the real
 * Docker engine (DOCKER_HOST or the local socket). Nothing is mocked; without a running
 * dockerd the tests fail here, saying so.
 */
final class TestDaemon implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /** The image every test node runs; built by scripts/build-images.sh. */
    static final String NODE_IMAGE = "generic_node_image";
    /** The tests mount their own temporary directories: any path (but the host's state) is theirs. */
    static final HostSettings TESTS = new HostSettings(MountPolicy.anyPath(), Map.of());

    /** This JVM's uptime when its first test daemon served, in seconds (0 before). */
    private static volatile double firstStartSeconds;

    private final HostSettings host;
    DockerEngine engine;
    /** What other daemons had made when this one started: not this one's to answer for. */
    private List<String> existing = List.of();
    Media media;
    DaemonServer server;
    ManagedChannel channel;
    CirqueServiceGrpc.CirqueServiceBlockingStub stub;

    /** A daemon running from here until {@link #close}. */
    TestDaemon() throws Exception {
        this(TESTS);
    }

    TestDaemon(HostSettings host) throws Exception {
        this.host = host;
        start();
    }

    private TestDaemon(HostSettings host, boolean openThread) {
        this.host = host;
        this.openThread = openThread;
    }

    /** Whether the class's tests need real OpenThread (and skip, saying why, without it). */
    private boolean openThread;

    /**
     * A daemon for a whole test class: {@code @RegisterExtension static final TestDaemon daemon =
     * TestDaemon.perClass();} starts it before the class's tests and closes it (checking that
     * nothing is left) after them.
     */
    static TestDaemon perClass() {
        return new TestDaemon(TESTS, false);
    }

    /** As {@link #perClass}, its Thread radios real OpenThread (CIRQUE_OT_BIN_DIR); the class skips without it. */
    static TestDaemon perClassWithOpenThread() {
        String bin = System.getenv().getOrDefault("CIRQUE_OT_BIN_DIR", "");
        return new TestDaemon(new HostSettings(MountPolicy.anyPath(), Map.of("thread.bin-dir", bin)), true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (openThread) {
            ThreadMesh.requireOpenThread();
        }
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) { // not started where the class was skipped
            close();
        }
    }

    private void start() throws Exception {
        engine = DockerEngine.connect(null);
        engine.ping(); // a clear UNAVAILABLE message when dockerd is not running
        existing = allLeftovers();
        if (!engine.imageExists(NODE_IMAGE)) {
            throw new IllegalStateException("image " + NODE_IMAGE + " missing: run scripts/build-images.sh first");
        }
        media = Media.start(host.ledger().allocator());
        // Recorded as the daemon records by default: every test's homes go through the flight recorder.
        HomeService homes = new HomeService(engine, CapabilityRegistry.fromClassPath(host), Limits.defaults(),
                media.list(), new Recordings(Recordings.DEFAULT_BYTES,
                        Recordings.defaultTotal(Runtime.getRuntime().maxMemory()), host.ledger()));
        server = new DaemonServer(homes, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        // Five minutes for each call (a stub's own deadline would be one instant for all of the
        // class's calls, and a class's tests can outlast it).
        stub = CirqueServiceGrpc.newBlockingStub(channel).withInterceptors(new io.grpc.ClientInterceptor() {
            @Override
            public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(io.grpc.MethodDescriptor<Q, R> method,
                    io.grpc.CallOptions options, io.grpc.Channel next) {
                return next.newCall(method, options.getDeadline() != null ? options
                        : options.withDeadlineAfter(5, TimeUnit.MINUTES));
            }
        });
        if (firstStartSeconds == 0) {
            firstStartSeconds = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
        }
    }

    /**
     * How long this JVM took from its start to serving its first test daemon (class loading,
     * the engine's connection, the servers): a measure of this machine's speed in this run.
     */
    static double firstStartSeconds() {
        return firstStartSeconds;
    }

    /** A new empty home's id. */
    String newHome() {
        return stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
    }

    /** Tears a home down. */
    void stopHome(String home) {
        stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
    }

    /** Creates a device over gRPC. */
    CirqueDevice create(String home, DeviceSpecification.Builder spec) {
        return stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                .setSpecification(spec).build()).getDevice();
    }

    /** Runs a command in a device over gRPC: its output; a non-zero exit is ABORTED. */
    String exec(String home, CirqueDevice node, String command) {
        return stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(node.getDeviceId()).setCommand(command).build()).getOutput();
    }

    /** The port of the daemon's HTTP routes. */
    int httpPort() {
        return server.httpPort();
    }

    /** A device's state through the HTTP route {@code /device_state}, as JSON. */
    JsonNode httpState(String home, String device) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.httpPort() + "/device_state/" + home + "/" + device)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    /** Containers and networks still labelled as belonging to {@code homeId}. */
    List<String> leftovers(String homeId) {
        return labelled(Labels.home(homeId));
    }

    /**
     * What appeared since this daemon started and is still here: its own leftovers. A stale
     * object of an earlier test is that test's failure, not every later test's.
     */
    List<String> ownLeftovers() {
        List<String> own = new java.util.ArrayList<>(allLeftovers());
        own.removeAll(existing);
        return own;
    }

    /** Everything any cirque daemon left on this engine. */
    List<String> allLeftovers() {
        return labelled(Labels.managed());
    }

    private List<String> labelled(Map<String, String> labels) {
        return Stream.concat(
                engine.containersLabelled(labels).stream().map(c -> "container " + c),
                engine.networksLabelled(labels).stream().map(n -> "network " + n)).toList();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop();
        media.close();
        assertEquals(List.of(), ownLeftovers(), "labelled Docker objects this daemon made, left after it stopped");
        engine.close();
    }
}
