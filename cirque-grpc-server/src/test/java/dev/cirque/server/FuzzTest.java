package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.MountCapability;
import dev.cirque.proto.MountPair;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ThreadCapability;
import dev.cirque.proto.TrafficControlCapability;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random input through both fronts: every answer is an error the client can act on (a
 * 4xx or a status other than INTERNAL/UNKNOWN, always with a message), nothing crashes,
 * and nothing is left. Images are random names that do not exist, so no container starts.
 */
class FuzzTest {

    private static final Set<Status.Code> CLIENT_ERRORS = Set.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.ABORTED);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger TRIED = new AtomicInteger();
    /** Answers that were not a clear client error: a status outside CLIENT_ERRORS, a 5xx, no message. */
    private static final AtomicInteger CRASHES = new AtomicInteger();
    private static TestDaemon daemon;
    private static String home;
    private static HttpClient http;

    @BeforeContainer
    static void start() throws Exception {
        daemon = new TestDaemon();
        home = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterContainer
    static void stop() {
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        List<String> leaked = daemon.ownLeftovers();
        System.out.println("fuzz: inputs tried: " + TRIED.get() + "; crashes: " + CRASHES.get() + "; leaked objects: "
                + leaked.size());
        assertEquals(0, CRASHES.get(), "answers that were not clear client errors");
        daemon.close(); // asserts nothing labelled is left
    }

    @Property(tries = 300)
    void randomDeviceSpecificationsAreRefusedClearly(@ForAll("specs") DeviceSpecification spec) {
        TRIED.incrementAndGet();
        try {
            daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                    .setSpecification(spec).build());
            throw new AssertionError("a device from a non-existent image was created: " + spec);
        } catch (StatusRuntimeException e) {
            assertClientError(e);
        }
        assertEquals(1, daemon.leftovers(home).size(), "only the home's network");
    }

    @Property(tries = 300)
    void randomIdsAndCommandsAreRefusedClearly(@ForAll("ids") String homeId, @ForAll("ids") String deviceId,
            @ForAll("commands") String command) {
        TRIED.incrementAndGet();
        try {
            daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(homeId)
                    .setDeviceId(deviceId).setCommand(command).build());
            throw new AssertionError("a command ran in a device that does not exist");
        } catch (StatusRuntimeException e) {
            assertClientError(e);
        }
    }

    @Property(tries = 100)
    void randomTopologiesOverHttpAre4xxWithAJsonBody(@ForAll("topologies") String body) throws Exception {
        TRIED.incrementAndGet();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/create_home"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
            // A topology without devices, e.g. {}, is valid: an empty home. Remove it.
            String made = JSON.readTree(r.body()).asText();
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base() + "/destroy_home/" + made)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            return;
        }
        assertJsonClientError(r);
    }

    @Property(tries = 300)
    void randomPathsOverHttpAre4xxWithAJsonBody(@ForAll("paths") String path) throws Exception {
        TRIED.incrementAndGet();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertJsonClientError(r);
    }

    // --- generators ------------------------------------------------------------------------

    @Provide
    Arbitrary<DeviceSpecification> specs() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(40);
        Arbitrary<String> images = Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12)
                .map(s -> "cirque-fuzz/" + s.toLowerCase());
        Arbitrary<Integer> ints = Arbitraries.integers().between(-200, 70_000);
        return Combinators.combine(text, images, ints, ints, text, Arbitraries.integers().between(0, 4))
                .as((type, image, a, b, path, which) -> {
                    DeviceSpecification.Builder s = DeviceSpecification.newBuilder().setDeviceType(type)
                            .setBaseImage(which == 0 ? "" : image);
                    switch (which) {
                        case 1 -> s.setTrafficcontrolCapability(TrafficControlCapability.newBuilder()
                                .setLatencyMs(a).setLossRate(b));
                        case 2 -> s.setMountCapability(MountCapability.newBuilder().addMountPairs(
                                MountPair.newBuilder().setHostPath(path).setTargetPath(type)));
                        case 3 -> s.setThreadCapability(ThreadCapability.newBuilder().setPetitionId(a));
                        case 4 -> s.setDockerNetwork(path);
                        default -> { }
                    }
                    return s.build();
                });
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(50), Arbitraries.just(home));
    }

    @Provide
    Arbitrary<String> commands() {
        return Arbitraries.strings().withChars("ab '\"\\$|;&\n\t").ofMaxLength(30);
    }

    @Provide
    Arbitrary<String> topologies() {
        Arbitrary<String> junk = Arbitraries.strings().withChars("{}[]\":,ab 1").ofMaxLength(40);
        Arbitrary<String> shaped = Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(8),
                Arbitraries.of("\"x\"", "3", "null", "[]", "{}", "\"cirque-fuzz/none\""),
                Arbitraries.of("\"Teleport\"", "\"Mount\"", "3", "\"Interactive\""),
                Arbitraries.of("\"internal\"", "\"Wormhole\"", "7"))
                .as((key, type, cap, net) -> "{\"" + key + "\": {\"type\": " + type + ", \"base_image\":"
                        + " \"cirque-fuzz/none\", \"capability\": [" + cap + "], \"docker_network\": " + net + "}}");
        return Arbitraries.oneOf(junk, shaped);
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> route = Arbitraries.of("home_devices", "device_state", "device_cmd", "device_log",
                "wifi_ssid_psk", "stop_device", "destroy_home", "nowhere", "create_home");
        Arbitrary<String> segment = Arbitraries.strings().ofMaxLength(20)
                .map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
        return Combinators.combine(route, segment, segment, segment)
                .as((r, a, b, c) -> "/" + r + "/" + a + "/" + b + "/" + c);
    }

    // --- checks ----------------------------------------------------------------------------

    private static void assertClientError(StatusRuntimeException e) {
        String message = e.getStatus().getDescription();
        if (!CLIENT_ERRORS.contains(e.getStatus().getCode()) || message == null || message.isBlank()) {
            CRASHES.incrementAndGet();
        }
        assertTrue(CLIENT_ERRORS.contains(e.getStatus().getCode()), "unexpected " + e.getStatus());
        assertTrue(e.getStatus().getDescription() != null && !e.getStatus().getDescription().isBlank(),
                "no message: " + e.getStatus());
    }

    private static void assertJsonClientError(HttpResponse<String> r) throws Exception {
        if (r.statusCode() < 400 || r.statusCode() >= 500 || !r.body().contains("\"error\"")) {
            CRASHES.incrementAndGet();
        }
        assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, r.statusCode() + " " + r.body());
        JsonNode body = JSON.readTree(r.body());
        assertTrue(body.hasNonNull("error") && !body.get("error").asText().isBlank(), r.body());
    }

    private static String base() {
        return "http://127.0.0.1:" + daemon.server.httpPort();
    }
}
