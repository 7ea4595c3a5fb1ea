package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.GetSpaceRequest;
import dev.cirque.proto.ModelledLink;
import dev.cirque.proto.PlaceNodeRequest;
import dev.cirque.proto.Position;
import dev.cirque.proto.SpaceState;
import dev.cirque.server.cli.CliRun;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A home's space on every front (HTTP, gRPC, CLI) on real containers: positions, walls, the
 * Thread medium's modelled links with why, and bad input refused. (Real radios: ThreadSpaceTest.)
 */
class SpaceApiTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void nodesPlacedOnEachFrontMakeLinksThatWallsWeakenAndBadInputIsRefused() throws Exception {
        String home = daemon.newHome();
        CirqueDevice a = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                .setPosition(Position.newBuilder().setX(0).setY(0)));
        CirqueDevice b = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        try {
            // HTTP places b 10 m away: 70 dB of path, -70 dBm, a perfect link.
            HttpResponse<String> placed = post("/space/" + home + "/position/" + b.getDeviceId(),
                    "{\"position\": [10, 0, 0]}");
            assertEquals(200, placed.statusCode(), placed.body());
            JsonNode ab = link(JSON.readTree(placed.body()), a.getDeviceId(), b.getDeviceId());
            assertEquals("10.0 m, 0 walls (0 dB), -70.0 dBm", ab.get("why").asText());
            assertEquals(0, ab.get("loss").asDouble());

            // The CLI puts a 28 dB wall between them: -98 dBm, 2 dB above the sensitivity, lossy.
            Path plan = dir.resolve("plan.json");
            Files.writeString(plan, "{\"walls\": [[5, -5, 5, 5, 28]]}");
            CliRun cli = CliRun.of("--connect", "127.0.0.1:" + daemon.server.port(), "floor_plan", home, "--file",
                    plan.toString());
            assertEquals(0, cli.code(), cli.err());
            assertTrue(cli.out().contains("1 wall (28 dB)"), cli.out());

            // gRPC sees the same, and a's 10 dB more power clears it one way only.
            SpaceState s = daemon.stub.placeNode(PlaceNodeRequest.newBuilder().setHomeId(home)
                    .setDeviceId(a.getDeviceId()).setPosition(Position.newBuilder()).setTxPowerDbm(10).build());
            assertEquals(0, grpcLink(s, a.getDeviceId(), b.getDeviceId()).getLossPercent());
            ModelledLink back = grpcLink(s, b.getDeviceId(), a.getDeviceId());
            assertTrue(back.getLossPercent() > 50 && !back.getDown(), back.toString());
            assertEquals(2, daemon.stub.getSpace(GetSpaceRequest.newBuilder().setHomeId(home).build())
                    .getPositionsCount());
            JsonNode links = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base()
                    + "/links/" + home + "?medium=thread")).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(2, links.path("modelled").size(), "the link view lists them: " + links);

            // Out of the space: no modelled link left.
            JsonNode out = JSON.readTree(post("/space/" + home + "/position/" + b.getDeviceId(),
                    "{\"position\": null}").body());
            assertEquals(0, out.path("links").path("thread").size(), out.toString());

            for (String bad : new String[] {"{\"position\": [1]}", "{\"position\": [\"x\", 1]}", "{\"where\": [1, 2]}",
                    "{\"tx_power_dbm\": 99}"}) {
                HttpResponse<String> r = post("/space/" + home + "/position/" + a.getDeviceId(), bad);
                assertEquals(400, r.statusCode(), bad + ": " + r.body());
            }
            assertEquals(400, post("/space/" + home + "/plan", "{\"walls\": [[0, 0, 1]]}").statusCode());
            assertEquals(400, post("/space/" + home + "/plan", "{\"propagation\": {\"exponent\": 0.2}}").statusCode());
            assertEquals(404, post("/space/" + home + "/position/nobody", "{\"position\": [1, 2]}").statusCode());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> daemon.stub.getSpace(
                    GetSpaceRequest.newBuilder().setHomeId("no-such-home").build()));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        } finally {
            daemon.stopHome(home);
        }
    }

    private static JsonNode link(JsonNode space, String from, String to) {
        for (JsonNode l : space.path("links").path("thread")) {
            if (l.get("from").asText().equals(from) && l.get("to").asText().equals(to)) {
                return l;
            }
        }
        throw new AssertionError("no modelled link " + from + " -> " + to + " in " + space);
    }

    private static ModelledLink grpcLink(SpaceState s, String from, String to) {
        return s.getLinksList().stream().filter(l -> l.getMedium().equals("thread") && l.getFromDeviceId().equals(from)
                && l.getToDeviceId().equals(to)).findFirst().orElseThrow(() -> new AssertionError(s.toString()));
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String base() {
        return "http://127.0.0.1:" + daemon.httpPort();
    }
}
