package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.InteractiveCapability;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cirque's JSON/HTTP routes over a real socket against real containers, field by field. */
class HttpRoutesTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass(); // checks nothing is left after the class

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void everyHomeGone() throws Exception {
        get("/"); // the route that tears every home down
        assertEquals(List.of(), daemon.ownLeftovers());
    }

    @Test
    void aMatterStyleSessionThroughEveryRoute() throws Exception {
        HttpResponse<String> created = post("/create_home", """
                {"device0": {"type": "generic_node_image", "capability": ["Interactive"]},
                 "device1": {"type": "generic_node_image", "base_image": "cirque/generic-node"}}""");
        assertEquals(200, created.statusCode(), created.body());
        JsonNode homeId = JSON.readTree(created.body());
        assertTrue(homeId.isTextual(), "the home id is a JSON string: " + created.body());
        String home = homeId.asText();

        JsonNode homes = json(get("/get_homes"), 200);
        assertTrue(homes.isArray() && contains(homes, home), homes.toString());

        JsonNode devices = json(get("/home_devices/" + home), 200);
        assertEquals(2, devices.size());
        Set<String> types = new HashSet<>();
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : devices.properties()) {
            JsonNode state = e.getValue();
            assertEquals(e.getKey(), state.get("id").asText());
            assertTrue(state.get("name").asText().startsWith("cirque-"), state.toString());
            assertTrue(state.get("capability").isObject(), state.toString());
            assertTrue(state.get("description").get("ipv4_addr").asText().matches("\\d+\\.\\d+\\.\\d+\\.\\d+"));
            types.add(state.get("type").asText());
            ids.add(e.getKey());
        }
        assertEquals(Set.of("generic_node_image"), types, "the set of types asked for");
        JsonNode images = JSON.valueToTree(List.of(devices.get(ids.get(0)).get("base_image").asText(),
                devices.get(ids.get(1)).get("base_image").asText()));
        assertTrue(contains(images, "cirque/generic-node") && contains(images, "generic_node_image"), images.toString());

        String device = ids.get(0);
        JsonNode state = json(get("/device_state/" + home + "/" + device), 200);
        assertEquals(devices.get(device), state);

        // The command is the rest of the path: spaces encoded, slashes as they are.
        JsonNode ran = json(get("/device_cmd/" + home + "/" + device + "/" + path("ls -d /etc/apt") + "?stream=False"), 200);
        assertEquals("0", ran.get("return_code").asText());
        assertTrue(ran.get("return_code").isTextual(), "return_code is a string");
        assertEquals("/etc/apt\n", ran.get("output").asText());
        JsonNode quoted = json(get("/device_cmd/" + home + "/" + device + "/"
                + path("sh -c 'echo \"a  b\" > /tmp/x && cat /tmp/x'")), 200);
        assertEquals("a  b\n", quoted.get("output").asText());
        JsonNode failed = json(get("/device_cmd/" + home + "/" + device + "/" + path("sh -c 'echo no; exit 3'")), 200);
        assertEquals("3", failed.get("return_code").asText());
        assertEquals("no\n", failed.get("output").asText());

        // The node says in its log when it is up (polled every 50 ms): the lines below come after it.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!get("/device_log/" + home + "/" + device).body().contains("cirque node ready: ")
                && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
        get("/device_cmd/" + home + "/" + device + "/" + path("sh -c 'echo l1 > /proc/1/fd/1; echo l2 > /proc/1/fd/1'"));
        HttpResponse<String> log = get("/device_log/" + home + "/" + device);
        assertEquals(200, log.statusCode());
        String body = log.body().replace("\r", ""); // the Interactive node's TTY writes CRLF
        assertTrue(body.startsWith("cirque node ready: "), body);
        assertEquals("l1\nl2\n", body.substring(body.indexOf('\n') + 1));
        assertEquals("l2\n", get("/device_log/" + home + "/" + device + "?tail=1").body().replace("\r", ""));

        HttpResponse<String> wifi = get("/wifi_ssid_psk/" + home);
        assertEquals(404, wifi.statusCode(), "no access point in this home");
        assertTrue(JSON.readTree(wifi.body()).get("error").asText().contains("access point"));

        JsonNode stopped = json(get("/stop_device/" + home + "/" + device), 200);
        assertEquals(device, stopped.asText());
        assertEquals(404, get("/device_state/" + home + "/" + device).statusCode());
        assertEquals(1, json(get("/home_devices/" + home), 200).size());

        JsonNode destroyed = json(get("/destroy_home/" + home), 200);
        assertEquals(home, destroyed.asText());
        assertFalse(contains(json(get("/get_homes"), 200), home));
        assertEquals(List.of(), daemon.leftovers(home));
    }

    @Test
    void streamingDeliversTheFirstLineBeforeTheCommandEnds() throws Exception {
        String home = JSON.readTree(post("/create_home", "{\"d\": {\"type\": \"generic_node_image\"}}").body()).asText();
        String device = json(get("/home_devices/" + home), 200).fieldNames().next();
        long start = System.nanoTime();
        HttpResponse<InputStream> r = http.send(request("/device_cmd/" + home + "/" + device + "/"
                + path("sh -c 'echo first; sleep 2; echo second'") + "?stream=True").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertEquals("first", in.readLine());
            long firstAt = System.nanoTime() - start;
            assertEquals("second", in.readLine());
            long secondAt = System.nanoTime() - start;
            assertTrue(secondAt - firstAt > 1_500_000_000L,
                    "first line came " + (secondAt - firstAt) / 1_000_000 + " ms before the second, not with it");
        }
    }

    @Test
    void aTopologyWithAFailingDeviceCreatesNothing() throws Exception {
        JsonNode before = json(get("/get_homes"), 200);
        HttpResponse<String> r = post("/create_home", """
                {"good0": {"type": "generic_node_image"},
                 "bad": {"type": "thermostat", "base_image": "cirque-test/no-such-image:1"},
                 "good1": {"type": "generic_node_image"}}""");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = JSON.readTree(r.body());
        assertEquals("bad", error.get("device").asText());
        assertEquals("FAILED_PRECONDITION", error.get("code").asText());
        assertTrue(error.get("error").asText().contains("cirque-test/no-such-image:1"), r.body());
        assertEquals(before, json(get("/get_homes"), 200));
        assertEquals(List.of(), daemon.ownLeftovers());
    }

    @Test
    void badInputGetsA4xxWithAJsonBody() throws Exception {
        assertError(post("/create_home", "{not json"), 400, "INVALID_ARGUMENT", "malformed JSON");
        assertError(post("/create_home", "[1, 2]"), 400, "INVALID_ARGUMENT", "JSON object");
        assertError(post("/create_home", "{\"d\": {\"base_image\": \"x\"}}"), 400, "INVALID_ARGUMENT", "\"type\"");
        assertError(post("/create_home", "{\"d\": {\"type\": \"generic_node_image\", \"capability\": [\"Teleport\"]}}"),
                400, "INVALID_ARGUMENT", "Teleport");
        assertError(post("/create_home", "{\"d\": {\"type\": \"generic_node_image\", \"traffic_control\": 5,"
                + " \"capability\": [\"TrafficControl\"]}}"), 400, "INVALID_ARGUMENT", "traffic_control");
        assertError(post("/create_home", "{\"d\": {\"type\": \"x\", \"mount_pairs\": [[\"/a\"]], \"capability\": [\"Mount\"]}}"),
                400, "INVALID_ARGUMENT", "mount_pairs");
        assertError(post("/create_home", "{\"d\": " + "[".repeat(1) + "\"" + "x".repeat(4 << 20) + "\"]}"),
                413, "RESOURCE_EXHAUSTED", "over");
        String nobody = "00000000-0000-0000-0000-000000000000";
        assertError(get("/home_devices/" + nobody), 404, "NOT_FOUND", nobody);
        assertError(get("/device_state/" + nobody + "/x"), 404, "NOT_FOUND", nobody);
        assertError(get("/device_cmd/" + nobody + "/x/true"), 404, "NOT_FOUND", nobody);
        assertError(get("/device_cmd/" + nobody + "/x/true?stream=True"), 404, "NOT_FOUND", nobody);
        assertError(get("/destroy_home/" + nobody), 404, "NOT_FOUND", nobody);
        assertError(get("/stop_device/" + nobody + "/x"), 404, "NOT_FOUND", nobody);
        assertError(get("/device_log/" + nobody + "/x?tail=3"), 404, "NOT_FOUND", nobody);
        assertError(get("/no_such_route"), 404, "NOT_FOUND", "no_such_route");
        assertError(get("/create_home"), 405, "METHOD_NOT_ALLOWED", "POST");

        String home = JSON.readTree(post("/create_home", "{\"d\": {\"type\": \"generic_node_image\"}}").body()).asText();
        String device = json(get("/home_devices/" + home), 200).fieldNames().next();
        assertError(get("/device_cmd/" + home + "/" + device + "/" + path("echo 'unbalanced")), 400,
                "INVALID_ARGUMENT", "quote");
        assertError(get("/device_cmd/" + home + "/" + device + "/" + path("echo 'unbalanced") + "?stream=True"), 400,
                "INVALID_ARGUMENT", "quote");
        assertError(get("/device_log/" + home + "/" + device + "?tail=many"), 400, "INVALID_ARGUMENT", "tail");
        assertEquals(1, json(get("/get_homes"), 200).size(), "only the home made on purpose");
    }

    @Test
    void nothingInAConfigIsDroppedWithoutAWord() throws Exception {
        // Misspelt keys: a 400 that names them and the keys cirque knows; nothing is made.
        JsonNode before = json(get("/get_homes"), 200);
        HttpResponse<String> misspelt = post("/create_home", """
                {"a": {"type": "generic_node_image", "rcp_mod": true, "trafic_control": {"latencyMs": 100}}}""");
        assertError(misspelt, 400, "INVALID_ARGUMENT", "unknown key \"rcp_mod\"");
        assertTrue(misspelt.body().contains("trafic_control") && misspelt.body().contains("rcp_mode"), misspelt.body());
        assertEquals(before, json(get("/get_homes"), 200));
        // traffic_control without TrafficControl in "capability": the node has its latency all the same.
        String home = JSON.readTree(post("/create_home", """
                {"slow": {"type": "generic_node_image", "traffic_control": {"latencyMs": 100}},
                 "peer": {"type": "generic_node_image"}}""").body()).asText();
        JsonNode devices = json(get("/home_devices/" + home), 200);
        String slow = null;
        String peerIp = null;
        for (Map.Entry<String, JsonNode> d : devices.properties()) {
            if (d.getValue().get("capability").has("TrafficControl")) {
                slow = d.getKey();
            } else {
                peerIp = d.getValue().get("description").get("ipv4_addr").asText();
            }
        }
        assertTrue(slow != null && peerIp != null, "the capability its key implies: " + devices);
        String ping = json(get("/device_cmd/" + home + "/" + slow + "/" + path("ping -c 3 -i 0.2 " + peerIp)), 200)
                .get("output").asText();
        java.util.regex.Matcher avg = java.util.regex.Pattern.compile("= [\\d.]+/([\\d.]+)/").matcher(ping);
        assertTrue(avg.find() && Double.parseDouble(avg.group(1)) >= 100, "100 ms on its egress: " + ping);
    }

    @Test
    void aThreadDeviceModeIsCheckedBeforeAnythingIsMade() throws Exception {
        JsonNode before = json(get("/get_homes"), 200);
        assertError(post("/create_home", """
                {"a": {"type": "generic_node_image", "rcp_mode": true, "thread_device_mode": "napping"}}"""),
                400, "INVALID_ARGUMENT", "sleepy_end_device");
        assertError(post("/create_home", """
                {"a": {"type": "generic_node_image", "rcp_mode": true, "thread_poll_period_ms": 500}}"""),
                400, "INVALID_ARGUMENT", "poll_period_ms is a sleepy end device's");
        assertError(post("/create_home", """
                {"a": {"type": "generic_node_image", "rcp_mode": true, "thread_device_mode": "sleepy_end_device",
                       "thread_poll_period_ms": 5}}"""), 400, "INVALID_ARGUMENT", "10..");
        assertError(post("/create_home", """
                {"a": {"type": "generic_node_image", "thread_device_mode": "end_device"}}"""),
                400, "INVALID_ARGUMENT", "set rcp_mode too");
        assertEquals(before, json(get("/get_homes"), 200), "no home left by a refused config");
    }

    @Test
    void theSameTopologyThroughGrpcAndHttpGivesEquivalentDevices() throws Exception {
        String viaHttp = JSON.readTree(post("/create_home", """
                {"a": {"type": "generic_node_image", "capability": ["Interactive"]}}""").body()).asText();
        String viaGrpc = daemon.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
        daemon.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(viaGrpc)
                .setSpecification(DeviceSpecification.newBuilder().setDeviceType("generic_node_image")
                        .setInteractiveCapability(InteractiveCapability.getDefaultInstance())).build());
        JsonNode a = json(get("/home_devices/" + viaHttp), 200).elements().next();
        JsonNode b = json(get("/home_devices/" + viaGrpc), 200).elements().next();
        for (String field : List.of("type", "base_image", "capability")) {
            assertEquals(a.get(field), b.get(field), field);
        }
    }

    // --- helpers -------------------------------------------------------------------------

    private static String path(String command) {
        // What Python's requests does to a path: percent-encode, keep '/'.
        return URLEncoder.encode(command, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.server.httpPort() + path))
                .timeout(Duration.ofMinutes(2));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String mentions) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(code, body.get("code").asText(), r.body());
        assertTrue(body.get("error").asText().contains(mentions), "'" + mentions + "' not in " + r.body());
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
