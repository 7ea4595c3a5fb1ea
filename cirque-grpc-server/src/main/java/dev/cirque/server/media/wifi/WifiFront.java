package dev.cirque.server.media.wifi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.capabilities.WifiAssociationEvents;
import dev.cirque.capabilities.WifiHomes;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.server.wire.GrpcErrors;
import dev.cirque.server.media.MediumFront;
import io.grpc.ServerMethodDefinition;
import io.grpc.stub.ServerCalls;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A home's WiFi calls, where the daemon is hwsim's medium (a cirque-java extension, and one route of Cirque's):
 * <ul>
 *   <li>{@code GET /wifi/{home}} and GetWifiTopology: access points, stations and what each is
 *       associated to (with the signal it hears), the frames each link passed and lost, the medium's figures;
 *   <li>{@code POST /wifi/{home}/capture/start} and {@code .../capture/stop}, SetWifiCapture, and
 *       {@code GET /wifi/{home}/capture}: a pcap of the home's 802.11 frames (radiotap);
 *   <li>Cirque's {@code GET /wifi_ssid_psk/{home}}: the first access point's {@code [ssid, psk]};
 *       with {@code ?all=true} and ListWifiAccessPoints, every access point's credentials;
 *   <li>WIFI_ASSOCIATION_CHANGED in the home's events while someone watches it;
 *   <li>the CLI's {@code wifi HOME}.
 * </ul>
 * Link conditions on WiFi go through the links calls with medium {@code wifi}.
 */
public final class WifiFront implements MediumFront {

    private final HomeService homes;
    private final WifiHomes wifi;
    private final ObjectMapper json;

    WifiFront(HomeService homes, ObjectMapper json) {
        this.homes = homes;
        this.wifi = new WifiHomes(homes);
        this.json = json;
    }

    @Override
    public String name() {
        return "wifi";
    }

    @Override
    public JsonNode topology(String home) {
        WifiHomes.Topology t = wifi.topology(home);
        ObjectNode out = json.createObjectNode();
        out.put("home", home);
        out.set("nodes", json.valueToTree(t.nodes()));
        ArrayNode links = out.putArray("links");
        t.links().forEach((link, c) -> links.addObject().put("from", link.from()).put("to", link.to())
                .put("heard", c[0]).put("lost", c[1]));
        out.put("capturing", t.capturing());
        ObjectNode medium = out.putObject("medium");
        medium.put("registered", t.registered());
        medium.set("stats", json.valueToTree(t.medium()));
        return out;
    }

    @Override
    public JsonNode capture(String home, boolean start) {
        CaptureState c = wifi.capture(home, start);
        ObjectNode out = json.createObjectNode();
        out.put("capturing", c.capturing());
        out.put("downloadPath", c.downloadPath());
        out.put("bytes", c.bytes());
        return out;
    }

    @Override
    public byte[] captured(String home) {
        return wifi.captured(home);
    }

    @Override
    public Map<String, CirqueRoute> cirqueRoutes() {
        return Map.of("wifi_ssid_psk", this::ssidPsk);
    }

    private JsonNode ssidPsk(String home, Map<String, String> query) {
        if (CirqueRoute.isTrue(query.get("all"))) {
            homes.home(home); // an unknown home is a 404, not an empty list
            return json.valueToTree(wifi.accessPoints(home));
        }
        for (Node node : homes.home(home).nodes()) {
            Optional<List<String>> ap = accessPoint(node);
            if (ap.isPresent()) {
                return json.valueToTree(ap.get());
            }
        }
        throw CirqueException.notFound("home " + home + " has no WiFi access point");
    }

    /** An access point's {@code [ssid, psk]}: a node whose description has both; empty for other nodes. */
    private static Optional<List<String>> accessPoint(Node node) {
        Map<String, String> fields = node.deviceFields();
        if (!fields.containsKey("ssid") || !fields.containsKey("psk")) {
            return Optional.empty();
        }
        return Optional.of(List.of(fields.get("ssid"), fields.get("psk")));
    }

    /** Associations in the event stream (WIFI_ASSOCIATION_CHANGED), asked of the stations of watched homes. */
    @Override
    public AutoCloseable watchHomes() {
        return WifiAssociationEvents.start(homes, WifiAssociationEvents.INTERVAL);
    }

    @Override
    public List<ServerMethodDefinition<?, ?>> grpcCalls() {
        return List.of(
                ServerMethodDefinition.create(CirqueServiceGrpc.getGetWifiTopologyMethod(), ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcErrors.reply(out, () -> WifiMessages.topology(wifi, request.getHomeId())))),
                ServerMethodDefinition.create(CirqueServiceGrpc.getSetWifiCaptureMethod(), ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcErrors.reply(out, () -> WifiMessages.capture(wifi, request)))),
                ServerMethodDefinition.create(CirqueServiceGrpc.getListWifiAccessPointsMethod(), ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcErrors.reply(out, () -> WifiMessages.accessPoints(wifi, request.getHomeId())))));
    }

    /** Listed in {@code META-INF/services}. */
    public static final class Factory implements MediumFront.Factory {

        @Override
        public MediumFront create(HomeService homes, ObjectMapper json) {
            return new WifiFront(homes, json);
        }

        @Override
        public Object cliCommand() {
            return new WifiAirCommand();
        }
    }
}
