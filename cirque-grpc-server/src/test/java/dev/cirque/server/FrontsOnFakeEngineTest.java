package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.ListMediaRequest;
import dev.cirque.proto.MediumCaptureRequest;
import dev.cirque.proto.MediumRequest;
import dev.cirque.proto.MediumServiceGrpc;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.server.plugin.TestAirCapability;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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

    private static String base() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
