package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.testing.Eventually;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.sim.thread.ThreadMedium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real OpenThread nodes placed in a home's space: the propagation model makes the Thread
 * medium's links from where they are. Three in a row, the ends out of each other's range,
 * form one mesh whose end-to-end ping goes through the middle one; moved next to each
 * other, the ends hear each other directly.
 */
class ThreadSpaceTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClassWithOpenThread();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void threeInARowReachEndToEndThroughTheMiddleAndMovedTogetherHearEachOther() throws Exception {
        String[] id = new String[1];
        Map<String, String> devices = ThreadMesh.home(daemon, 3, id);
        String home = id[0];
        String a = devices.get("n1");
        String b = devices.get("n2");
        String c = devices.get("n3");
        try {
            // 55 m apart under the default model (40 dB at 1 m, exponent 3, 0 dBm, -100 dBm sensitivity):
            // neighbours hear each other at -92 dBm, the ends (110 m) are below the sensitivity.
            place(home, a, 0);
            place(home, b, 55);
            JsonNode space = place(home, c, 110);
            JsonNode ac = link(space, a, c);
            assertTrue(ac.get("down").asBoolean(), "the ends cannot hear each other: " + ac);
            assertTrue(ac.get("why").asText().startsWith("110.0 m, 0 walls"), ac.toString());
            assertFalse(link(space, a, b).get("down").asBoolean(), space.toString());
            assertTrue(get("/links/" + home + "?medium=thread").path("modelled").size() == 6,
                    "the link view lists the modelled links");
            // A node placed as it is made: in the space from the moment its creation returns.
            String lamp = daemon.stub.createCirqueDevice(dev.cirque.proto.CreateCirqueDeviceRequest.newBuilder()
                    .setHomeId(home).setSpecification(dev.cirque.proto.DeviceSpecification.newBuilder()
                            .setDeviceType(TestDaemon.NODE_IMAGE).setPosition(dev.cirque.proto.Position.newBuilder()
                                    .setX(20).setY(5))).build()).getDevice().getDeviceId();
            assertEquals(List.of(20.0, 5.0, 0.0), JSON.convertValue(get("/space/" + home).path("positions").path(lamp),
                    List.class));

            ThreadMesh.form(daemon, home, List.of(a, b, c));
            ThreadMesh.awaitRoles(daemon, home, List.of(a, b, c), r -> List.of("leader", "router", "child")
                    .contains(r), 120);
            long[] direct = counts(home, a, c);
            String from = mleid(home, a);
            ThreadMesh.pings(daemon, home, a, from, mleid(home, c), 3); // the first wait for the address query
            int answered = ThreadMesh.pings(daemon, home, a, from, mleid(home, c), 10);
            assertTrue(answered > 0, "a reaches c over the mesh");
            long[] after = counts(home, a, c);
            assertEquals(direct[0], after[0], "nothing went straight from a to c: it went through b");
            assertTrue(counts(home, b, c)[0] > 0 && counts(home, a, b)[0] > 0, "b carried it");
            System.out.printf("thread space: a row of 3 at 55 m: %d/10 pings end to end through the middle%n",
                    answered);

            // c walks up to a: the two hear each other and become neighbours.
            JsonNode moved = place(home, c, 2);
            assertFalse(link(moved, a, c).get("down").asBoolean(), moved.toString());
            long t0 = System.nanoTime();
            Eventually.await("a and c to be neighbours", Duration.ofSeconds(120), Duration.ofMillis(500), () -> {
                JsonNode t;
                try {
                    t = get("/thread/" + home);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (JsonNode n : t.get("nodes")) {
                    if (n.get("device").asText().equals(a)) {
                        for (JsonNode nb : n.get("neighbors")) {
                            if (c.equals(nb.path("device").asText())) {
                                return Optional.of(true);
                            }
                        }
                    }
                }
                return Optional.empty();
            }, () -> "");
            assertTrue(counts(home, c, a)[0] > 0, "frames went straight from c to a");
            System.out.printf("thread space: moved next to each other, a and c neighbours after %.1f s%n",
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    /**
     * Two routers 30 m apart, each behind a 40 dB wall from a spot beside the other; a sleepy
     * child between them attaches to one, is carried to the spot its parent cannot hear, and
     * attaches to the other.
     */
    @Test
    void aChildCarriedOutOfItsParentsRangeAttachesToAnotherParentInRange() throws Exception {
        String node = "\"base_image\": \"" + ThreadMesh.IMAGE + "\", \"capability\": [\"Thread\"], \"rcp_mode\": true";
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base()
                + "/create_home")).POST(HttpRequest.BodyPublishers.ofString("{"
                + "\"west\": {\"type\": \"west\", " + node + ", \"position\": [0, 0, 1]},"
                + "\"east\": {\"type\": \"east\", " + node + ", \"position\": [30, 0, 1]},"
                + "\"sensor\": {\"type\": \"sensor\", " + node + ", \"position\": [15, 0, 1],"
                + " \"thread_device_mode\": \"sleepy_end_device\", \"thread_poll_period_ms\": 500}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode(), created.body());
        String home = JSON.readTree(created.body()).asText();
        try {
            Map<String, String> ids = new java.util.TreeMap<>();
            get("/home_devices/" + home).properties().forEach(d -> ids.put(d.getValue().get("type").asText(),
                    d.getKey()));
            String west = ids.get("west");
            String east = ids.get("east");
            String sensor = ids.get("sensor");
            HttpResponse<String> walls = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base()
                    + "/space/" + home + "/plan")).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"walls\": [[5, 2, 5, 12, 40], [25, 2, 25, 12, 40]]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, walls.statusCode(), walls.body());

            ThreadMesh.form(daemon, home, List.of(west, east, sensor));
            ThreadMesh.awaitRoles(daemon, home, List.of(west, east), r -> List.of("leader", "router").contains(r), 120);
            ThreadMesh.awaitRoles(daemon, home, List.of(sensor), "child"::equals, 60);
            String parent = parentOf(home, sensor, west, east);
            String other = parent.equals(west) ? east : west;
            // Beside the other router, behind the wall from the parent (x = 32 or -2, y = 10).
            JsonNode moved = placeAt(home, sensor, parent.equals(west) ? 32 : -2, 10);
            assertTrue(link(moved, parent, sensor).get("down").asBoolean(), "out of its parent's range: " + moved);
            assertFalse(link(moved, other, sensor).get("down").asBoolean(), moved.toString());
            long t0 = System.nanoTime();
            String[] now = {parent};
            Eventually.await("the sensor to attach to " + other, Duration.ofSeconds(180), Duration.ofMillis(500), () -> {
                now[0] = parentOf(home, sensor, west, east);
                return now[0].equals(other) && ThreadMesh.state(daemon, home, sensor).equals("child")
                        ? Optional.of(true) : Optional.empty();
            }, () -> "its parent: " + now[0]);
            System.out.printf("thread space: a sleepy child carried out of its parent's range attached to the other"
                    + " router %.1f s later%n", (System.nanoTime() - t0) / 1e9);
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    /** Which of the two routers the child's parent is ({@code ot-ctl parent}'s extended address), or "?". */
    private static String parentOf(String home, String child, String west, String east) {
        String parent = ThreadMesh.ctl(daemon, home, child, "parent");
        for (String router : List.of(west, east)) {
            String ext = ThreadMesh.ctl(daemon, home, router, "extaddr").lines().findFirst().orElse("").strip();
            if (!ext.isEmpty() && parent.contains(ext)) {
                return router;
            }
        }
        return "?";
    }

    private static JsonNode placeAt(String home, String node, double x, double y) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base()
                + "/space/" + home + "/position/" + node)).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"position\": [" + x + ", " + y + ", 1]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Places a node on the x axis, 1 m up; the space after. */
    private static JsonNode place(String home, String node, double x) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base()
                + "/space/" + home + "/position/" + node)).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"position\": [" + x + ", 0, 1]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode link(JsonNode space, String from, String to) {
        for (JsonNode l : space.path("links").path("thread")) {
            if (l.get("from").asText().equals(from) && l.get("to").asText().equals(to)) {
                return l;
            }
        }
        throw new AssertionError("no modelled link " + from + " -> " + to + " in " + space);
    }

    /** What the medium delivered [0] and dropped [1] on the directed link. */
    private static long[] counts(String home, String from, String to) {
        ThreadMedium medium = (ThreadMedium) daemon.server.homes().links().find(ThreadMedium.NAME).orElseThrow();
        return medium.linkCounts(home).getOrDefault(new LinkModel.Link(from, to), new long[2]).clone();
    }

    private static String mleid(String home, String device) {
        return ThreadMesh.ctl(daemon, home, device, "ipaddr mleid").lines().findFirst().orElseThrow().strip();
    }

    private static JsonNode get(String path) throws Exception {
        return JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static String base() {
        return "http://127.0.0.1:" + daemon.httpPort();
    }
}
