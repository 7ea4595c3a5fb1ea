package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Limits;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.testing.FakeEngine;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.GetThreadTopologyRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.ListMediaRequest;
import dev.cirque.proto.ListWifiAccessPointsRequest;
import dev.cirque.proto.MediumCaptureRequest;
import dev.cirque.proto.MediumRequest;
import dev.cirque.proto.MediumServiceGrpc;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.server.cli.CliRun;
import dev.cirque.server.plugin.TestAirCapability;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core's operations and the fronts' translation without dockerd: the real daemon server, gRPC
 * and HTTP, over the in-memory engine of cirque-core's test-jar (a fake, and only the engine
 * is one), with the plug-in medium {@code test-air} as its only medium. What a node does in a
 * container is tested against the real dockerd elsewhere; here, what the fronts and core make
 * of the calls.
 */
class FrontsOnFakeEngineTest {

    @TempDir
    static Path ledger;
    private static FakeEngine engine;
    private static HomeService homes;
    private static DaemonServer server;
    private static ManagedChannel channel;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        engine = new FakeEngine("generic_node_image");
        HostSettings host = new HostSettings(MountPolicy.anyPath(), Map.of(), new HostLedger(ledger));
        homes = new HomeService(engine, new CapabilityRegistry(List.of(new TestAirCapability()), host),
                Limits.defaults());
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        server = new DaemonServer(homes, loopback, loopback).start();
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.stop();
        homes.close();
    }

    @Test
    void aPluginMediumsLinksQueryAndCaptureGoThroughGrpcAndHttp() throws Exception {
        CirqueServiceGrpc.CirqueServiceBlockingStub cirque = CirqueServiceGrpc.newBlockingStub(channel);
        MediumServiceGrpc.MediumServiceBlockingStub media = MediumServiceGrpc.newBlockingStub(channel);
        DeviceSpecification node = DeviceSpecification.newBuilder().setDeviceType("generic_node_image").build();
        CreateCirqueHomeWithDevicesResponse made = cirque.createCirqueHomeWithDevices(
                CreateCirqueHomeWithDevicesRequest.newBuilder().putDevices("a", node).putDevices("b", node).build());
        String home = made.getHomeId();
        String a = made.getDevicesOrThrow("a").getDeviceId();
        String b = made.getDevicesOrThrow("b").getDeviceId();
        assertTrue(engine.calls.stream().filter(c -> c.startsWith("createContainer")).count() >= 2, engine.calls.toString());

        assertEquals(List.of(TestAirCapability.MEDIUM), media.listMedia(ListMediaRequest.getDefaultInstance())
                .getMediaList());
        HttpResponse<String> started = http("POST", "/media/test-air/" + home + "/capture/start", null);
        assertEquals(200, started.statusCode(), started.body());
        HttpResponse<String> set = http("POST", "/links/" + home, "{\"medium\": \"test-air\", \"from\": \"" + a
                + "\", \"to\": \"" + b + "\", \"latencyMs\": 20}");
        assertEquals(200, set.statusCode(), set.body());
        cirque.setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home).setMedium("test-air")
                .setFromDeviceId(b).setToDeviceId(a).setConditions(LinkConditions.newBuilder().setLossPercent(10))
                .build());

        String described = media.describeMedium(MediumRequest.newBuilder().setHomeId(home).setMedium("test-air")
                .build()).getJson();
        assertTrue(described.contains("\"radios\":2") && described.contains("\"latencyMs\":20")
                && described.contains("\"loss\":10.0"), described);
        assertEquals(described, http("GET", "/media/test-air/" + home, null).body(), "the same account over HTTP");
        long bytes = media.setMediumCapture(MediumCaptureRequest.newBuilder().setHomeId(home).setMedium("test-air")
                .setCapture(false).build()).getBytes();
        assertEquals(24 + 2 * (16 + TestAirCapability.FRAME_LENGTH), bytes, "a pcap of the two changes");
        byte[] pcap = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/media/test-air/" + home + "/capture"))
                .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        assertEquals(bytes, pcap.length);

        HttpResponse<String> ipless = http("GET", "/media/ip/" + home, null);
        assertEquals(400, ipless.statusCode());
        assertTrue(ipless.body().contains("this daemon has no ip medium to shape; it has [test-air]"), ipless.body());
        cirque.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals(Map.of(), engine.containers, "the home's containers removed");
        assertEquals(Map.of(), engine.networks, "and its networks");
    }

    @Test
    void aMediumsOwnRoutesVerbAndGrpcCallsComeFromItsFrontAlone() throws Exception {
        CirqueServiceGrpc.CirqueServiceBlockingStub cirque = CirqueServiceGrpc.newBlockingStub(channel);
        DeviceSpecification node = DeviceSpecification.newBuilder().setDeviceType("generic_node_image").build();
        String home = cirque.createCirqueHomeWithDevices(CreateCirqueHomeWithDevicesRequest.newBuilder()
                .putDevices("a", node).putDevices("b", node).putDevices("c", node).build()).getHomeId();
        try {
            // The test medium's front (test sources, META-INF/services): its routes and its Cirque-style route.
            HttpResponse<String> own = http("GET", "/" + TestAirCapability.MEDIUM + "/" + home, null);
            assertEquals(200, own.statusCode(), own.body());
            assertEquals(http("GET", "/media/test-air/" + home, null).body(), own.body());
            assertEquals("3", http("GET", "/test_air_radios/" + home, null).body());
            HttpResponse<String> capture = http("POST", "/" + TestAirCapability.MEDIUM + "/" + home + "/capture/start",
                    null);
            assertTrue(capture.statusCode() == 200 && capture.body().contains("\"capturing\":true"), capture.body());

            // Its CLI verb, next to Thread's and WiFi's, all three brought by their fronts.
            CliRun help = CliRun.of("help");
            for (String verb : List.of("thread", "wifi", TestAirCapability.MEDIUM)) {
                assertTrue(help.out().contains("  " + verb + " "), verb + " in\n" + help.out());
            }

            // Thread's typed calls on each front, served by its front in place of the service's own
            // methods: this daemon has no Thread medium, and each front says so alike.
            StatusRuntimeException grpc = assertThrows(StatusRuntimeException.class, () -> cirque.getThreadTopology(
                    GetThreadTopologyRequest.newBuilder().setHomeId(home).build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, grpc.getStatus().getCode());
            assertEquals("this daemon has no Thread medium", grpc.getStatus().getDescription());
            HttpResponse<String> byHttp = http("GET", "/thread/" + home, null);
            assertEquals(400, byHttp.statusCode());
            assertTrue(byHttp.body().contains("\"FAILED_PRECONDITION\"") && byHttp.body().contains(
                    grpc.getStatus().getDescription()), byHttp.body());
            CliRun byCli = CliRun.of("--connect", "127.0.0.1:" + server.port(), "--json", "thread", home);
            assertEquals(1, byCli.code(), byCli.out());
            assertTrue(byCli.err().contains("\"FAILED_PRECONDITION\"") && byCli.err().contains(
                    grpc.getStatus().getDescription()), byCli.err());
            // WiFi's, and Cirque's own route that its front answers.
            assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> cirque
                    .listWifiAccessPoints(ListWifiAccessPointsRequest.newBuilder().setHomeId("no-such-home").build()))
                    .getStatus().getCode());
            assertEquals(404, http("GET", "/wifi_ssid_psk/no-such-home", null).statusCode());
            HttpResponse<String> noAp = http("GET", "/wifi_ssid_psk/" + home, null);
            assertTrue(noAp.statusCode() == 404 && noAp.body().contains("has no WiFi access point"), noAp.body());
        } finally {
            cirque.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
        assertEquals(404, http("GET", "/no_such_route/x", null).statusCode());
    }

    private static String base() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
