package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.GetLinkConditionsRequest;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SeedLinksRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.TrafficControlCapability;
import dev.cirque.core.testing.Eventually;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Link conditions on real containers, through the daemon's IP shaper: the same on this
 * kernel (no netem) as on any other. Each test prints what it measured.
 */
class LinkConditionsTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> homes = new ArrayList<>();

    @AfterEach
    void stopHomesAndCheckTheirRulesWent() throws Exception {
        for (String home : homes) {
            daemon.stopHome(home);
            assertFalse(Host.rawRules().contains("cirque:" + home), "shaper rules of home " + home + " left");
        }
    }

    private String home() {
        String h = daemon.newHome();
        homes.add(h);
        return h;
    }

    @Tag("engine")
    @Test
    void twoNodesOfAHundredMillisecondsEachPingInTwoHundred() {
        String home = home();
        CirqueDevice a = daemon.create(home, shaped(100, 0, 0));
        CirqueDevice b = daemon.create(home, shaped(100, 0, 0));
        // The path's own time, here and now: the kernel's alone, and through the shaper's queue
        // at 1 ms a side (a fraction of a millisecond on this host, up to a hundred under emulation).
        double path = Math.max(unshapedRtt(home), queuePathRtt(home));
        double rtt = averageRtt(daemon.exec(home, a, "ping -q -c 10 -i 0.2 " + ipv4(b)));
        System.out.println("link conditions: 100 ms + 100 ms asked, average RTT " + rtt + " ms (IPv4; path "
                + path + " ms)");
        assertTrue(rtt >= 180 && rtt <= 220 + path, "RTT " + rtt + " ms, asked 200 ± 10% (+ " + path + " path)");
    }

    /** What the shaper's queue adds to two nodes shaped at 1 ms each, beyond the 2 ms asked. */
    private double queuePathRtt(String home) {
        CirqueDevice c = daemon.create(home, shaped(1, 0, 0));
        CirqueDevice d = daemon.create(home, shaped(1, 0, 0));
        return Math.max(0, averageRtt(daemon.exec(home, c, "ping -q -c 10 -i 0.2 " + ipv4(d))) - 2);
    }

    /** The average RTT between two unshaped nodes of the home: the slack a bound on shaped RTTs takes. */
    private double unshapedRtt(String home) {
        CirqueDevice c = daemon.create(home, plain());
        CirqueDevice d = daemon.create(home, plain());
        return averageRtt(daemon.exec(home, c, "ping -q -c 10 -i 0.2 " + ipv4(d)));
    }

    @Test
    void ipv6IsShapedLikeIpv4() {
        String home = home();
        CirqueDevice a = daemon.create(home, shaped(100, 0, 0).setDockerNetwork("Ipv6"));
        CirqueDevice b = daemon.create(home, shaped(100, 0, 0).setDockerNetwork("Ipv6"));
        String target = b.getDeviceDescription().getIpv6Addr();
        // Neighbour discovery is IPv6 too, and shaped like the rest (as netem would): the first
        // exchange pays for it. Measure once the neighbours know each other.
        daemon.exec(home, a, "ping -6 -c 1 " + target);
        double path = unshapedRtt(home);
        double rtt = averageRtt(daemon.exec(home, a, "ping -6 -q -c 10 -i 0.2 " + target));
        System.out.println("link conditions: 100 ms + 100 ms asked, average RTT " + rtt + " ms (IPv6; unshaped "
                + path + " ms)");
        assertTrue(rtt >= 180 && rtt <= 220 + path, "RTT " + rtt + " ms, asked 200 ± 10% (+ " + path + " unshaped)");
    }

    @Test
    void aThirdOfPacketsIsLostAtThirtyPercent() {
        String home = home();
        CirqueDevice lossy = daemon.create(home, shaped(0, 0, 30));
        CirqueDevice peer = daemon.create(home, plain());
        String ping = daemon.exec(home, lossy, "ping -q -c 1000 -i 0.005 -W 1 " + ipv4(peer));
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)% packet loss").matcher(ping);
        assertTrue(m.find(), ping);
        double loss = Double.parseDouble(m.group(1));
        System.out.println("link conditions: 30% loss asked, " + loss + "% measured over 1000 pings");
        assertTrue(loss >= 25 && loss <= 35, "30% asked, " + loss + "% measured (± 5 points)");
    }

    @Test
    void jitterSpreadsTheDelayWithinItsBounds() {
        String home = home();
        CirqueDevice jittery = daemon.create(home, shaped(50, 20, 0));
        CirqueDevice peer = daemon.create(home, plain());
        CirqueDevice third = daemon.create(home, plain());
        // The path's own time between two unshaped nodes, measured here and now: the bounds' slack.
        // Percentiles, not extremes: one ping's hiccup on a loaded machine says nothing of the shaper.
        double[] path = sorted(daemon.exec(home, peer, "ping -c 50 -i 0.05 " + ipv4(third)));
        String ping = daemon.exec(home, jittery, "ping -c 200 -i 0.05 " + ipv4(peer));
        double[] rtts = sorted(ping);
        double slack = 2 * percentile(path, 95) + 1;
        System.out.printf("link conditions: 50 ± 20 ms asked; over %d pings min %.1f, p5 %.1f, mean %.1f, p95 %.1f,"
                + " max %.1f ms (unshaped p95 %.1f ms)%n", rtts.length, rtts[0], percentile(rtts, 5), mean(rtts),
                percentile(rtts, 95), rtts[rtts.length - 1], percentile(path, 95));
        assertEquals(200, rtts.length, ping);
        assertTrue(rtts[0] >= 29.5, "below 50 - 20 ms: " + rtts[0]);
        assertTrue(percentile(rtts, 95) <= 70 + slack, "p95 above 50 + 20 ms (+ " + slack + " for the path)");
        assertEquals(50 + mean(path), mean(rtts), 4 + slack / 2, "a mean of 50 ms");
        assertTrue(percentile(rtts, 95) - percentile(rtts, 5) >= 20, "no spread");
        assertTrue(percentile(rtts, 5) < 45 && percentile(rtts, 95) > 55, "spread both ways of 50 ms, uniformly");
    }

    @Test
    void aSeededHomeLosesTheSamePacketsEachTimeItIsSeededAgain() throws Exception {
        String home = home();
        CirqueDevice a = daemon.create(home, plain());
        CirqueDevice b = daemon.create(home, plain());
        set(home, a, b, conditions(0, 0, 30, false)); // only a's packets to b draw: a run replays exactly
        LinkState seeded = daemon.stub.seedLinks(SeedLinksRequest.newBuilder().setHomeId(home).setSeed(42).build());
        assertEquals(42, seeded.getSeed());
        String ping = "ping -c 100 -i 0.01 -W 1 " + ipv4(b);
        List<String> first = replies(daemon.exec(home, a, ping));
        // The same seed again, over HTTP: the draws start again from it.
        HttpResponse<String> again = http("POST", "/links/" + home + "/seed", "{\"seed\": 42}");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals(42, JSON.readTree(again.body()).get("seed").asLong());
        List<String> second = replies(daemon.exec(home, a, ping));
        daemon.stub.seedLinks(SeedLinksRequest.newBuilder().setHomeId(home).setSeed(7).build());
        List<String> other = replies(daemon.exec(home, a, ping));
        int got = first.size();
        System.out.println("link conditions: seed 42 at 30% loss: " + got + " of 100 replies, the same ones twice");
        assertTrue(got > 50 && got < 90, first.toString());
        assertEquals(first, second, "the same seed, the same packets lost");
        assertFalse(first.equals(other), "another seed, other packets lost");
        // Unseeded, and bad seeds refused.
        assertFalse(daemon.stub.seedLinks(SeedLinksRequest.newBuilder().setHomeId(home).build()).hasSeed());
        assertEquals(400, http("POST", "/links/" + home + "/seed", "{\"seed\": 1.5}").statusCode());
        assertEquals(400, http("POST", "/links/" + home + "/seed", "{\"sead\": 1}").statusCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> daemon.stub.seedLinks(
                SeedLinksRequest.newBuilder().setHomeId("nohome").setSeed(1).build())).getStatus().getCode());
    }

    /** The sequence numbers ping heard a reply to. */
    private static List<String> replies(String ping) {
        return Pattern.compile("icmp_seq=(\\d+)").matcher(ping).results().map(r -> r.group(1)).toList();
    }

    /** The round trips ping printed, in ms, in ascending order. */
    private static double[] sorted(String ping) {
        return Pattern.compile("time=([\\d.]+) ms").matcher(ping).results()
                .mapToDouble(r -> Double.parseDouble(r.group(1))).sorted().toArray();
    }

    private static double percentile(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double mean(double[] values) {
        return java.util.Arrays.stream(values).average().orElse(Double.NaN);
    }

    @Test
    void aLinkOverridesItsSenderAndChangesLive() {
        String home = home();
        CirqueDevice a = daemon.create(home, plain());
        CirqueDevice b = daemon.create(home, plain());
        CirqueDevice c = daemon.create(home, plain());
        LinkState state = set(home, a, b, conditions(150, 0, 0, false));
        assertEquals(1, state.getLinksCount());
        // The medium's own account: only A's packets pass through the shaper.
        java.util.Map<String, Boolean> shaped = new java.util.TreeMap<>();
        describeIp(home).path("nodes").forEach(n -> shaped.put(n.path("node").asText(), n.path("shaped").asBoolean()));
        assertEquals(new java.util.TreeMap<>(java.util.Map.of(a.getDeviceId(), true, b.getDeviceId(), false,
                c.getDeviceId(), false)), shaped);
        double toB = averageRtt(daemon.exec(home, a, "ping -q -c 5 -i 0.2 " + ipv4(b)));
        double toC = averageRtt(daemon.exec(home, a, "ping -q -c 5 -i 0.2 " + ipv4(c)));
        set(home, a, b, conditions(50, 0, 0, false)); // live: the nodes keep running
        double toBAfter = averageRtt(daemon.exec(home, a, "ping -q -c 5 -i 0.2 " + ipv4(b)));
        daemon.stub.setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home)
                .setFromDeviceId(a.getDeviceId()).setToDeviceId(b.getDeviceId()).build()); // cleared
        double toBCleared = averageRtt(daemon.exec(home, a, "ping -q -c 5 -i 0.2 " + ipv4(b)));
        System.out.printf("link conditions: A->B 150 ms: %.1f; A->C: %.1f; A->B changed to 50: %.1f; cleared: %.1f ms%n",
                toB, toC, toBAfter, toBCleared);
        assertTrue(toB >= 145 && toB <= 170, "A->B " + toB);
        assertTrue(toC < 20, "A->C has no conditions: " + toC);
        assertTrue(toBAfter >= 45 && toBAfter <= 65, "A->B after the change " + toBAfter);
        assertTrue(toBCleared < 20, "A->B cleared " + toBCleared);
        assertEquals(0, daemon.stub.getLinkConditions(GetLinkConditionsRequest.newBuilder().setHomeId(home).build())
                .getLinksCount());
    }

    @Tag("engine")
    @Test
    void aPartitionCutsBothWaysAndATcpConnectionSurvivesTheHeal() throws Exception {
        String home = home();
        CirqueDevice a = daemon.create(home, plain());
        CirqueDevice b = daemon.create(home, plain());
        daemon.exec(home, b, "sh -c 'socat -u TCP-LISTEN:7000,reuseaddr OPEN:/tmp/got,creat,append"
                + " >/dev/null 2>&1 &'");
        awaitTrue(() -> daemon.exec(home, b, "cat /proc/net/tcp").contains(":1B58 00000000:0000 0A"), "listening");
        daemon.exec(home, a, "sh -c 'for i in $(seq 1 40); do echo line$i; sleep 0.25; done | socat -u -"
                + " TCP:" + ipv4(b) + ":7000 >/dev/null 2>&1 &'");
        awaitTrue(() -> lines(home, b) >= 4, "the stream started");

        LinkState cut = daemon.stub.partitionHome(PartitionRequest.newBuilder().setHomeId(home).setName("island")
                .addDeviceIds(a.getDeviceId()).build());
        assertEquals(List.of(a.getDeviceId()), cut.getPartitionsMap().get("island").getDeviceIdsList());
        int atCut = lines(home, b);
        assertAborted(() -> daemon.exec(home, a, "ping -c 2 -W 1 " + ipv4(b)));
        assertAborted(() -> daemon.exec(home, b, "ping -c 2 -W 1 " + ipv4(a)));
        // The partition holds for five seconds: the scenario, not a wait for anything.
        TimeUnit.SECONDS.sleep(5);
        int beforeHeal = lines(home, b);
        daemon.stub.healHome(HealRequest.newBuilder().setHomeId(home).setName("island").build());
        awaitTrue(() -> lines(home, b) == 40, "the stream resumed after the heal and finished");
        String got = daemon.exec(home, b, "cat /tmp/got");
        System.out.printf("link conditions: partition of 5 s: %d lines at the cut, %d before the heal, all 40 after%n",
                atCut, beforeHeal);
        assertTrue(beforeHeal <= atCut + 1, "data crossed the partition: " + atCut + " -> " + beforeHeal);
        assertEquals(IntStream.rangeClosed(1, 40).mapToObj(i -> "line" + i + "\n").reduce("", String::concat), got,
                "one TCP connection, every line once, in order");
        daemon.exec(home, a, "ping -c 1 -W 2 " + ipv4(b));
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() throws Exception {
        String home = home();
        String other = home();
        CirqueDevice a = daemon.create(home, plain());
        CirqueDevice b = daemon.create(home, plain());
        CirqueDevice stranger = daemon.create(other, plain());
        List<Object[]> cases = List.of(
                new Object[] {Status.Code.INVALID_ARGUMENT, request(home, a, b).setConditions(conditions(-1, 0, 0, false))},
                new Object[] {Status.Code.INVALID_ARGUMENT, request(home, a, b).setConditions(conditions(0, 0, 101, false))},
                new Object[] {Status.Code.INVALID_ARGUMENT, request(home, a, b).setConditions(conditions(0, 70_000, 0, false))},
                new Object[] {Status.Code.NOT_FOUND, request(home, a, stranger).setConditions(conditions(10, 0, 0, false))},
                new Object[] {Status.Code.NOT_FOUND, request(home, a, b).setToDeviceId("nope").setBothWays(true)
                        .setConditions(conditions(10, 0, 0, false))},
                new Object[] {Status.Code.NOT_FOUND, request("no-such-home", a, b).setConditions(conditions(10, 0, 0, false))},
                new Object[] {Status.Code.INVALID_ARGUMENT, request(home, a, b).setToDeviceId("").setBothWays(true)},
                new Object[] {Status.Code.INVALID_ARGUMENT, request(home, a, a).setConditions(conditions(10, 0, 0, false))},
                new Object[] {Status.Code.FAILED_PRECONDITION, request(home, a, b).setMedium("semaphore")
                        .setConditions(conditions(10, 0, 0, false))});
        for (Object[] c : cases) {
            SetLinkConditionsRequest r = ((SetLinkConditionsRequest.Builder) c[1]).build();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> daemon.stub.setLinkConditions(r));
            assertEquals(c[0], e.getStatus().getCode(), r.toString());
            assertFalse(e.getStatus().getDescription().isBlank());
        }
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> daemon.stub.partitionHome(
                PartitionRequest.newBuilder().setHomeId(home).setName("p").addDeviceIds(a.getDeviceId())
                        .addDeviceIds(stranger.getDeviceId()).build())).getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> daemon.stub
                .partitionHome(PartitionRequest.newBuilder().setHomeId(home).setName("p").build())).getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> daemon.stub.healHome(
                HealRequest.newBuilder().setHomeId(home).setName("never-made").build())).getStatus().getCode());

        // Over HTTP: a 4xx with a JSON body, the same rules.
        for (String body : List.of("{\"from\": \"" + a.getDeviceId() + "\", \"latencyMs\": -5}",
                "{\"from\": \"" + a.getDeviceId() + "\", \"latency\": 5}",
                "{\"from\": \"" + a.getDeviceId() + "\", \"to\": \"" + stranger.getDeviceId() + "\", \"loss\": 5}",
                "[1, 2]")) {
            HttpResponse<String> r = http("POST", "/links/" + home, body);
            assertTrue(r.statusCode() == 400 || r.statusCode() == 404, r.statusCode() + " " + r.body());
            assertTrue(JSON.readTree(r.body()).hasNonNull("error"), r.body());
        }
        LinkState untouched = daemon.stub.getLinkConditions(GetLinkConditionsRequest.newBuilder().setHomeId(home).build());
        assertEquals(LinkState.newBuilder().setMedium("ip").build(), untouched, "nothing applied half-way");
        assertTrue(daemon.exec(home, a, "ping -c 1 -W 2 " + ipv4(b)).contains("1 received"));
    }

    @Test
    void aNodeOffTheHostBridgesCannotBeShapedAndSaysSo() {
        String home = home();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                daemon.create(home, shaped(50, 0, 0).setDockerNetwork("IpvLan")));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("bridged home network"), e.getStatus().getDescription());
        assertEquals(0, daemon.stub.listCirqueHomeDevices(dev.cirque.proto.ListCirqueHomeDevicesRequest.newBuilder()
                .setHomeId(home).build()).getDevicesCount(), "the node was rolled back");
    }

    @Test
    void theHttpRoutesSetPartitionAndHeal() throws Exception {
        String home = home();
        CirqueDevice a = daemon.create(home, plain());
        CirqueDevice b = daemon.create(home, plain());
        HttpResponse<String> set = http("POST", "/links/" + home, "{\"from\": \"" + a.getDeviceId() + "\", \"to\": \""
                + b.getDeviceId() + "\", \"latencyMs\": 120, \"bothWays\": true}");
        assertEquals(200, set.statusCode(), set.body());
        assertEquals(2, JSON.readTree(set.body()).get("links").size());
        double rtt = averageRtt(daemon.exec(home, a, "ping -q -c 3 -i 0.2 " + ipv4(b)));
        assertTrue(rtt >= 230 && rtt <= 270, "120 ms both ways: " + rtt);
        HttpResponse<String> cut = http("POST", "/links/" + home + "/partition", "{\"name\": \"p\", \"devices\": [\""
                + b.getDeviceId() + "\"]}");
        assertEquals(200, cut.statusCode(), cut.body());
        assertAborted(() -> daemon.exec(home, a, "ping -c 1 -W 1 " + ipv4(b)));
        HttpResponse<String> healed = http("POST", "/links/" + home + "/heal", "{}");
        JsonNode state = JSON.readTree(healed.body());
        assertEquals(0, state.get("links").size(), healed.body());
        assertEquals(0, state.get("partitions").size(), healed.body());
        assertEquals(200, http("GET", "/links/" + home + "?medium=ip", null).statusCode());
        assertTrue(averageRtt(daemon.exec(home, a, "ping -q -c 3 -i 0.2 " + ipv4(b))) < 20);
    }

    // --- helpers -------------------------------------------------------------------------

    static DeviceSpecification.Builder plain() {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE);
    }

    static DeviceSpecification.Builder shaped(int latencyMs, int jitterMs, int lossPercent) {
        return plain().setTrafficcontrolCapability(TrafficControlCapability.newBuilder().setLatencyMs(latencyMs)
                .setJitterMs(jitterMs).setLossRate(lossPercent));
    }

    private static LinkConditions conditions(int latency, int jitter, double loss, boolean down) {
        return LinkConditions.newBuilder().setLatencyMs(latency).setJitterMs(jitter).setLossPercent(loss)
                .setDown(down).build();
    }

    private static SetLinkConditionsRequest.Builder request(String home, CirqueDevice from, CirqueDevice to) {
        return SetLinkConditionsRequest.newBuilder().setHomeId(home).setFromDeviceId(from.getDeviceId())
                .setToDeviceId(to.getDeviceId());
    }

    private static LinkState set(String home, CirqueDevice from, CirqueDevice to, LinkConditions c) {
        return daemon.stub.setLinkConditions(request(home, from, to).setConditions(c).build());
    }

    private static String ipv4(CirqueDevice d) {
        return d.getDeviceDescription().getIpv4Addr();
    }

    private static int lines(String home, CirqueDevice node) {
        return (int) daemon.exec(home, node, "sh -c 'cat /tmp/got 2>/dev/null || true'").lines().count();
    }

    private static void assertAborted(Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.ABORTED, e.getStatus().getCode(), "the command should have failed");
    }

    /** Polls a condition (each poll is a command in a node) until it holds or 30 s pass. */
    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        Eventually.await(what, java.time.Duration.ofSeconds(30), condition);
    }

    private static com.fasterxml.jackson.databind.JsonNode describeIp(String home) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(dev.cirque.proto.MediumServiceGrpc
                    .newBlockingStub(daemon.channel).describeMedium(dev.cirque.proto.MediumRequest.newBuilder()
                            .setHomeId(home).setMedium("ip").build()).getJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.server.httpPort() + path));
        r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The average of ping's summary line, {@code rtt min/avg/max/mdev = a/b/c/d ms}. */
    static double averageRtt(String ping) {
        Matcher m = Pattern.compile("= [\\d.]+/([\\d.]+)/").matcher(ping);
        assertTrue(m.find(), ping);
        return Double.parseDouble(m.group(1));
    }

    /** The host's shaper rules, IPv4 and IPv6. */
    static final class Host {
        static String rawRules() throws Exception {
            StringBuilder out = new StringBuilder();
            for (String tool : List.of("iptables", "ip6tables")) {
                Process p = new ProcessBuilder(tool, "-w", "5", "-t", "raw", "-S", "PREROUTING").redirectErrorStream(true)
                        .start();
                out.append(new String(p.getInputStream().readAllBytes()));
                p.waitFor(20, TimeUnit.SECONDS);
            }
            return out.toString();
        }
    }

    /** A call that may throw, for assertAborted. */
    @FunctionalInterface
    interface Executable {
        void run() throws Exception;
    }
}
