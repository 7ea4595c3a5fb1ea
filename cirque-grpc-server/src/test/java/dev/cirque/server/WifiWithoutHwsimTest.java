package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.WiFiAccessPointCapability;
import dev.cirque.proto.WiFiCapability;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WiFi on a host whose kernel has no mac80211_hwsim (this one: no wireless stack at all):
 * refused with FAILED_PRECONDITION saying how to get it, leaving nothing; and the
 * access point's input checks, which come first. The radios themselves are tested in the
 * VM (WifiVmTest).
 */
class WifiWithoutHwsimTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();
    private static final ObjectMapper JSON = new ObjectMapper();

    private String home;

    @BeforeAll
    static void onlyWithoutHwsim() {
        assumeFalse(Files.isDirectory(Path.of("/sys/module/mac80211_hwsim")), "this kernel has hwsim: see WifiVmTest");
    }

    @BeforeEach
    void newHome() {
        home = daemon.newHome();
    }

    @AfterEach
    void nothingLeft() {
        daemon.stopHome(home);
        assertEquals(List.of(), daemon.leftovers(home));
    }

    @Test
    void stationsAndAccessPointsAreRefusedWithTheFixAndLeaveNothing() {
        for (DeviceSpecification.Builder spec : List.of(
                DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                        .setWifiCapability(WiFiCapability.getDefaultInstance()),
                DeviceSpecification.newBuilder().setDeviceType("wifi_ap"))) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> create(spec));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains("modprobe mac80211_hwsim radios=0"),
                    e.getStatus().getDescription());
            assertEquals(1, daemon.leftovers(home).size(), "only the home's LAN: nothing of the refused node");
        }
    }

    @Test
    void overJsonAWifiTopologyIsRefusedWholeWithA4xx() throws Exception {
        int homesBefore = homes();
        HttpResponse<String> r = post("/create_home", """
                {"ap": {"type": "wifi_ap", "base_image": "mac80211_ap_image"},
                 "station": {"type": "generic_node_image", "capability": ["WiFi"]}}""");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = JSON.readTree(r.body());
        assertEquals("FAILED_PRECONDITION", error.get("code").asText(), r.body());
        assertTrue(error.get("error").asText().contains("mac80211_hwsim"), r.body());
        assertEquals(homesBefore, homes(), "no home kept");
        assertEquals(daemon.leftovers(home), daemon.ownLeftovers(), "only this test's own home is there");
    }

    @Test
    void badAccessPointInputIsInvalidBeforeAnyRadioIsAskedFor() throws Exception {
        for (WiFiAccessPointCapability bad : List.of(
                WiFiAccessPointCapability.newBuilder().setPsk("short").build(),
                WiFiAccessPointCapability.newBuilder().setPsk("x".repeat(64)).build(),
                WiFiAccessPointCapability.newBuilder().setSsid("a-very-long-network-name-of-33-bytes").build(),
                WiFiAccessPointCapability.newBuilder().setSsid("two\nlines").build())) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> create(
                    DeviceSpecification.newBuilder().setDeviceType("wifi_ap").setWifiApCapability(bad)));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad.toString());
        }
        StatusRuntimeException both = assertThrows(StatusRuntimeException.class, () -> create(DeviceSpecification
                .newBuilder().setDeviceType("wifi_ap").setWifiCapability(WiFiCapability.getDefaultInstance())));
        assertEquals(Status.Code.INVALID_ARGUMENT, both.getStatus().getCode());
        assertTrue(both.getStatus().getDescription().contains("radio of its own"), both.getStatus().getDescription());

        HttpResponse<String> r = post("/create_home", "{\"d\": {\"type\": \"generic_node_image\", \"ssid\": \"x\"}}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("wifi_ap"), r.body());
    }

    @Test
    void withoutTheMediumTheWifiCallsSaySoAndTheCredentialsListIsEmpty() throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> daemon.stub.getWifiTopology(
                dev.cirque.proto.GetWifiTopologyRequest.newBuilder().setHomeId(home).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("no WiFi medium"), e.getStatus().getDescription());
        String node = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE))
                .getDeviceId();
        StatusRuntimeException link = assertThrows(StatusRuntimeException.class, () -> daemon.stub.setLinkConditions(
                dev.cirque.proto.SetLinkConditionsRequest.newBuilder().setHomeId(home).setMedium("wifi")
                        .setFromDeviceId(node).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, link.getStatus().getCode());
        assertTrue(link.getStatus().getDescription().contains("no wifi medium"), link.getStatus().getDescription());

        HttpResponse<String> topology = get("/wifi/" + home);
        assertEquals(400, topology.statusCode(), topology.body());
        assertEquals("FAILED_PRECONDITION", JSON.readTree(topology.body()).get("code").asText());
        HttpResponse<String> all = get("/wifi_ssid_psk/" + home + "?all=true");
        assertEquals(200, all.statusCode(), all.body());
        assertEquals("[]", all.body(), "a home without access points has none to list");
        assertEquals(0, daemon.stub.listWifiAccessPoints(dev.cirque.proto.ListWifiAccessPointsRequest.newBuilder()
                .setHomeId(home).build()).getAccessPointsCount());
        assertEquals(404, get("/wifi_ssid_psk/no-such-home?all=true").statusCode());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + daemon.server.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void create(DeviceSpecification.Builder spec) {
        daemon.create(home, spec);
    }

    private int homes() {
        return daemon.stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdCount();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + daemon.server.httpPort() + path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }
}
