package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Thread device modes with real OpenThread, made as a Matter harness would make them (Cirque's
 * JSON route): a sleepy end device answers when it polls its parent, an rx-on end device at
 * once, and the medium counts the sleepy one's polls.
 */
class ThreadDeviceModesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int POLL_PERIOD_MS = 1000;
    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClassWithOpenThread();

    @Test
    void aSleepyChildAnswersAtItsPollsAndAnRxOnChildAtOnce() throws Exception {
        String node = "\"base_image\": \"" + ThreadMesh.IMAGE + "\", \"capability\": [\"Thread\"], \"rcp_mode\": true";
        HttpResponse<String> created = post("/create_home", "{"
                + "\"hub\": {\"type\": \"hub\", " + node + "},"
                + "\"sensor\": {\"type\": \"sensor\", " + node + ", \"thread_device_mode\": \"sleepy_end_device\","
                + " \"thread_poll_period_ms\": " + POLL_PERIOD_MS + "},"
                + "\"plug\": {\"type\": \"plug\", " + node + ", \"thread_device_mode\": \"end_device\"}}");
        assertEquals(200, created.statusCode(), created.body());
        String home = JSON.readTree(created.body()).asText();
        try {
            Map<String, String> ids = new TreeMap<>();
            JsonNode devices = JSON.readTree(get("/home_devices/" + home).body());
            devices.properties().forEach(d -> ids.put(d.getValue().get("type").asText(), d.getKey()));
            String hub = ids.get("hub");
            String sensor = ids.get("sensor");
            String plug = ids.get("plug");
            JsonNode sensorThread = devices.get(sensor).get("capability").get("Thread");
            assertEquals("sleepy_end_device", sensorThread.get("device_mode").asText(), sensorThread.toString());
            assertEquals(POLL_PERIOD_MS, sensorThread.get("poll_period_ms").asInt(), sensorThread.toString());
            // The stacks were set before the nodes were handed out.
            assertEquals("-", ThreadMesh.ctl(daemon, home, sensor, "mode").lines().findFirst().orElse("").strip());
            assertEquals("rdn", ThreadMesh.ctl(daemon, home, plug, "mode").lines().findFirst().orElse("").strip());
            assertEquals(String.valueOf(POLL_PERIOD_MS),
                    ThreadMesh.ctl(daemon, home, sensor, "pollperiod").lines().findFirst().orElse("").strip());

            ThreadMesh.form(daemon, home, List.of(hub, sensor, plug));
            ThreadMesh.awaitRoles(daemon, home, List.of(sensor, plug), "child"::equals, 90);
            String from = mleid(home, hub);
            ping(home, hub, from, mleid(home, plug), 1); // warm: the first may wait for an address query
            ping(home, hub, from, mleid(home, sensor), 1);
            long pollsBefore = polls(home).get(sensor);

            List<Double> awake = ping(home, hub, from, mleid(home, plug), 5);
            List<Double> sleepy = ping(home, hub, from, mleid(home, sensor), 5);
            double awakeMax = awake.stream().mapToDouble(d -> d).max().orElseThrow();
            double awakeMean = awake.stream().mapToDouble(d -> d).average().orElseThrow();
            double sleepyMean = sleepy.stream().mapToDouble(d -> d).average().orElseThrow();
            System.out.printf("thread modes: rx-on child RTT mean %.1f ms (max %.1f); sleepy child (%d ms polls)"
                    + " %s ms, mean %.1f%n", awakeMean, awakeMax, POLL_PERIOD_MS, sleepy, sleepyMean);
            // Each ping waits for the child's next poll: on average half a period more than the
            // rx-on child's, and never more than one period beyond what an answer takes.
            assertTrue(sleepyMean > awakeMean + POLL_PERIOD_MS / 5.0, "held for the polls: " + sleepy + " vs " + awake);
            for (double rtt : sleepy) {
                assertTrue(rtt <= POLL_PERIOD_MS + 2 * awakeMax + 100, "within a poll period: " + sleepy + " vs " + awake);
            }

            Map<String, Long> polls = polls(home);
            long during = polls.get(sensor) - pollsBefore;
            assertTrue(during >= 3, "the medium counted the sleepy child's polls over ~6 s: " + during + " " + polls);
            assertTrue(polls.get(plug) < polls.get(sensor), "the rx-on child polls less, if at all: " + polls);

            // Live: the sensor wakes up (its receiver stays on) and answers at once.
            HttpResponse<String> woken = post("/thread/" + home + "/mode/" + sensor, "{\"device_mode\": \"end_device\"}");
            assertEquals(200, woken.statusCode(), woken.body());
            assertEquals("end_device", JSON.readTree(woken.body()).get("device_mode").asText(), woken.body());
            assertEquals("rdn", ThreadMesh.ctl(daemon, home, sensor, "mode").lines().findFirst().orElse("").strip());
            ThreadMesh.awaitRoles(daemon, home, List.of(sensor), "child"::equals, 30);
            List<Double> awoken = ping(home, hub, from, mleid(home, sensor), 5);
            double awokenMean = awoken.stream().mapToDouble(d -> d).average().orElseThrow();
            System.out.printf("thread modes: the sensor made an rx-on end device live: RTT %s ms, mean %.1f%n", awoken,
                    awokenMean);
            assertTrue(awokenMean < awakeMean + POLL_PERIOD_MS / 5.0, "no longer held for polls: " + awoken);
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    @Test
    void aModeSetLiveOnEachFrontIsKeptAcrossAPowerCycleAndBadOnesAreRefused() throws Exception {
        String[] id = new String[1];
        Map<String, String> devices = ThreadMesh.home(daemon, 1, id);
        String home = id[0];
        String node = devices.get("n1");
        try {
            // gRPC, then the CLI.
            dev.cirque.proto.ThreadDeviceMode set = daemon.stub.setThreadDeviceMode(
                    dev.cirque.proto.SetThreadDeviceModeRequest.newBuilder().setHomeId(home).setDeviceId(node)
                            .setDeviceMode("sleepy_end_device").setPollPeriodMs(500).build());
            assertEquals("sleepy_end_device", set.getDeviceMode());
            assertEquals("500", ThreadMesh.ctl(daemon, home, node, "pollperiod").lines().findFirst().orElse("").strip());
            dev.cirque.server.cli.CliRun cli = dev.cirque.server.cli.CliRun.of("--connect", "127.0.0.1:"
                    + daemon.server.port(), "thread_mode", home, node, "sleepy_end_device", "--poll-period-ms", "2000");
            assertEquals(0, cli.code(), cli.err());
            assertTrue(cli.out().contains("sleepy_end_device") && cli.out().contains("2000"), cli.out());
            JsonNode described = JSON.readTree(get("/device_state/" + home + "/" + node).body()).get("capability")
                    .get("Thread");
            assertEquals(2000, described.get("poll_period_ms").asInt(), described.toString());

            // Powered off and on: its new stack is set as it starts.
            daemon.stub.powerOffDevice(dev.cirque.proto.PowerDeviceRequest.newBuilder().setHomeId(home)
                    .setDeviceId(node).build());
            daemon.stub.powerOnDevice(dev.cirque.proto.PowerDeviceRequest.newBuilder().setHomeId(home)
                    .setDeviceId(node).build());
            assertEquals("-", ThreadMesh.ctl(daemon, home, node, "mode").lines().findFirst().orElse("").strip());
            assertEquals("2000", ThreadMesh.ctl(daemon, home, node, "pollperiod").lines().findFirst().orElse("").strip());

            // Refused, each saying why.
            HttpResponse<String> unknownKey = post("/thread/" + home + "/mode/" + node, "{\"device_mode\": \"router\","
                    + " \"pollperiod\": 5}");
            assertEquals(400, unknownKey.statusCode(), unknownKey.body());
            assertTrue(unknownKey.body().contains("pollperiod"), unknownKey.body());
            HttpResponse<String> badMode = post("/thread/" + home + "/mode/" + node, "{\"device_mode\": \"napping\"}");
            assertEquals(400, badMode.statusCode(), badMode.body());
            HttpResponse<String> noSuchNode = post("/thread/" + home + "/mode/nobody", "{\"device_mode\": \"router\"}");
            assertEquals(404, noSuchNode.statusCode(), noSuchNode.body());
            io.grpc.StatusRuntimeException pollOfARouter = org.junit.jupiter.api.Assertions.assertThrows(
                    io.grpc.StatusRuntimeException.class, () -> daemon.stub.setThreadDeviceMode(
                            dev.cirque.proto.SetThreadDeviceModeRequest.newBuilder().setHomeId(home).setDeviceId(node)
                                    .setDeviceMode("router").setPollPeriodMs(100).build()));
            assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, pollOfARouter.getStatus().getCode());
            assertEquals("sleepy_end_device", JSON.readTree(get("/device_state/" + home + "/" + node).body())
                    .get("capability").get("Thread").get("device_mode").asText(), "a refused change changes nothing");
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    /** Each node's data polls and device mode as GET /thread/{home} shows them; polls by device. */
    private static Map<String, Long> polls(String home) throws Exception {
        JsonNode t = JSON.readTree(get("/thread/" + home).body());
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode n : t.get("nodes")) {
            out.put(n.get("device").asText(), n.get("polls").asLong());
            assertTrue(n.hasNonNull("deviceMode"), n.toString());
        }
        return out;
    }

    private static String mleid(String home, String device) {
        return ThreadMesh.ctl(daemon, home, device, "ipaddr mleid").lines().findFirst().orElseThrow().strip();
    }

    /** Round trips of {@code count} pings, 1.3 s apart (out of step with the poll period), in ms. */
    private static List<Double> ping(String home, String device, String from, String to, int count) {
        String out = daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(device).setCommand("ping -6 -c " + count + " -i 1.3 -W 4 -I " + from + " " + to).build())
                .getOutput();
        List<Double> rtts = new ArrayList<>();
        Matcher m = Pattern.compile("time=([\\d.]+) ms").matcher(out);
        while (m.find()) {
            rtts.add(Double.parseDouble(m.group(1)));
        }
        assertEquals(count, rtts.size(), "every ping answered: " + out);
        return rtts;
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + daemon.httpPort() + path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + daemon.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
