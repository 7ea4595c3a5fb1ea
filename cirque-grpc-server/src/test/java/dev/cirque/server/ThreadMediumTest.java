package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.GetThreadTopologyRequest;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ThreadEvent;
import dev.cirque.proto.ThreadNodeState;
import dev.cirque.proto.ThreadTopology;
import dev.cirque.proto.WatchThreadRequest;
import dev.cirque.sim.thread.ThreadMedium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The daemon as the Thread radio medium, with real OpenThread (RCP radios on the host,
 * ot-daemon in the nodes): networks form through the relay, a partition splits a mesh and
 * healing merges it, a lossy link still carries pings, homes never hear each other, and a
 * capture holds frames tshark decodes. Formation and partition times are printed.
 */
class ThreadMediumTest {

    private static final Set<String> ATTACHED = Set.of("leader", "router", "child");
    private static TestDaemon daemon;
    private final List<String> homes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        daemon = ThreadMesh.daemon(ThreadMesh.requireOpenThread());
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close(); // asserts nothing labelled is left
        }
    }

    @AfterEach
    void stopHomes() {
        homes.forEach(h -> daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(h).build()));
        homes.clear();
        assertEquals(0, medium().openSockets(), "no relay socket left");
    }

    private Map<String, String> home(int n) {
        String[] id = new String[1];
        Map<String, String> devices = ThreadMesh.home(daemon, n, id);
        homes.add(id[0]);
        ThreadMesh.awaitStacks(daemon, id[0], List.copyOf(devices.values()), 60);
        return devices;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 8, 16})
    void nodesFormOneNetworkThroughTheMedium(int n) {
        Map<String, String> devices = home(n);
        String home = homes.get(0);
        List<String> all = List.copyOf(devices.values());
        long t0 = System.nanoTime();
        ThreadMesh.form(daemon, home, all);
        Map<String, String> roles = ThreadMesh.awaitRoles(daemon, home, all, ATTACHED::contains, 60);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("thread formation through the medium: %d nodes attached in %.1f s: %s%n", n, seconds,
                roles.values());
        assertEquals(1, roles.values().stream().filter("leader"::equals).count(), "exactly one leader: " + roles);
        assertTrue(medium().framesSeen() > 0);
    }

    @Test
    void roleChangesComeInTheHomesEventStream() {
        Map<String, String> devices = home(2);
        String home = homes.get(0);
        List<String> all = List.copyOf(devices.values());
        ThreadMesh.form(daemon, home, all);
        ThreadMesh.awaitRoles(daemon, home, all, ATTACHED::contains, 60);
        java.util.Iterator<dev.cirque.proto.HomeEvent> events = dev.cirque.proto.CirqueServiceGrpc
                .newBlockingStub(daemon.channel).withDeadlineAfter(2, java.util.concurrent.TimeUnit.MINUTES)
                .watchHome(dev.cirque.proto.WatchHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals("WATCHING", events.next().getKind());
        // The first look at a watched home tells each node's role, from "".
        Map<String, String> firstSeen = new java.util.TreeMap<>();
        while (firstSeen.size() < 2) {
            dev.cirque.proto.HomeEvent e = nextRoleChange(events);
            assertEquals("", e.getDetailOrThrow("from"), e.toString());
            firstSeen.put(e.getDeviceId(), e.getDetailOrThrow("to"));
        }
        assertEquals(new java.util.TreeSet<>(all), firstSeen.keySet());
        String stopped = all.get(1);
        ThreadMesh.ctl(daemon, home, stopped, "thread stop");
        dev.cirque.proto.HomeEvent change;
        do {
            change = nextRoleChange(events);
        } while (!change.getDeviceId().equals(stopped));
        assertEquals("disabled", change.getDetailOrThrow("to"), change.toString());
        assertTrue(ATTACHED.contains(change.getDetailOrThrow("from")), change.toString());
    }

    @Test
    void aClientsOtCtlSessionIsNotCutByTheDaemonsOwnQueries() throws InterruptedException {
        // ot-daemon serves one CLI session at a time: a new one closes the one it serves, and a
        // one-shot ot-ctl whose session is closed exits 0 with its output cut short. A scan keeps
        // its session ~5 s; neither the home watch's role poller (every 2 s) nor a topology
        // watch (every 300 ms, as the live view's) may come while it runs. (Through docker exec,
        // which the daemon does not see, most scans here were cut.)
        Map<String, String> devices = home(1);
        String home = homes.get(0);
        String node = devices.get("n1");
        ThreadMesh.awaitStacks(daemon, home, List.of(node), 60);
        ThreadMesh.ctl(daemon, home, node, "ifconfig up");
        java.util.Iterator<dev.cirque.proto.HomeEvent> events = dev.cirque.proto.CirqueServiceGrpc
                .newBlockingStub(daemon.channel).withDeadlineAfter(2, java.util.concurrent.TimeUnit.MINUTES)
                .watchHome(dev.cirque.proto.WatchHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals("WATCHING", events.next().getKind());
        assertEquals("disabled", nextRoleChange(events).getDetailOrThrow("to"), "the poller looks at this home");
        try (TopologyWatch watch = new TopologyWatch(home, 300)) {
            for (int i = 1; i <= 3; i++) {
                String out = daemon.stub.executeDeviceCommand(dev.cirque.proto.ExecuteDeviceCommandRequest
                        .newBuilder().setHomeId(home).setDeviceId(node).setCommand("ot-ctl scan").build()).getOutput();
                assertTrue(out.strip().endsWith("Done"), "scan " + i + " ran to its end: " + out);
            }
            // The watch was there all along: its first look comes when no scan holds the node.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (watch.events().isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the topology watch never looked");
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // a poll of the watch's list
            }
        }
    }

    /** A WatchThreadTopology call read in a thread of its own, until closed. */
    private static final class TopologyWatch implements AutoCloseable {
        private final io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
        private final List<ThreadEvent> sink = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        TopologyWatch(String home, int intervalMs) {
            reader = new Thread(() -> call.run(() -> {
                try {
                    daemon.stub.watchThreadTopology(WatchThreadRequest.newBuilder().setHomeId(home)
                            .setIntervalMs(intervalMs).build()).forEachRemaining(sink::add);
                } catch (io.grpc.StatusRuntimeException cancelled) {
                    // closed by the test
                }
            }), "thread-watch");
            reader.start();
        }

        /** What it sent so far (synchronized list). */
        List<ThreadEvent> events() {
            return sink;
        }

        @Override
        public void close() {
            call.cancel(null);
            try {
                reader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static dev.cirque.proto.HomeEvent nextRoleChange(java.util.Iterator<dev.cirque.proto.HomeEvent> events) {
        while (events.hasNext()) {
            dev.cirque.proto.HomeEvent e = events.next();
            if (e.getKind().equals("THREAD_ROLE_CHANGED")) {
                return e;
            }
        }
        throw new AssertionError("the home's stream ended without a Thread role change");
    }

    @Test
    void aSplitMeshBecomesTwoPartitionsAndHealingMergesThem() throws InterruptedException {
        Map<String, String> devices = home(6);
        String home = homes.get(0);
        List<String> all = List.copyOf(devices.values());
        List<String> left = all.subList(0, 3);
        List<String> right = all.subList(3, 6);
        ThreadMesh.form(daemon, home, all);
        ThreadMesh.awaitRoles(daemon, home, all, r -> r.equals("leader") || r.equals("router"), 90);

        TopologyWatch watch = new TopologyWatch(home, 500);
        List<ThreadEvent> events = watch.events();

        long t0 = System.nanoTime();
        daemon.stub.partitionHome(PartitionRequest.newBuilder().setHomeId(home).setMedium("thread").setName("split")
                .addAllDeviceIds(right).build());
        awaitOneLeaderEach(home, List.of(left, right), 90);
        System.out.printf("thread partition: two leaders %.1f s after the split%n", (System.nanoTime() - t0) / 1e9);

        t0 = System.nanoTime();
        daemon.stub.healHome(HealRequest.newBuilder().setHomeId(home).setMedium("thread").setName("split").build());
        awaitOneLeaderEach(home, List.of(all), 120);
        System.out.printf("thread partition: merged into one leader %.1f s after healing%n",
                (System.nanoTime() - t0) / 1e9);
        watch.close();
        List<ThreadEvent> seen;
        synchronized (events) {
            seen = List.copyOf(events);
        }
        assertTrue(seen.stream().anyMatch(e -> e.hasRole() && e.getRole().getTo().equals("leader")
                && right.contains(e.getDeviceId())), "the watch saw a node of the cut-off side become leader: " + seen);
        assertTrue(seen.stream().anyMatch(e -> e.hasNeighbor() && !e.getNeighbor().getUp()),
                "the watch saw a neighbour go: " + seen);
        System.out.println("thread watch: " + seen.size() + " events over the split and the merge");
    }

    private static int pings(String home, String device, String from, String to, int count) {
        return ThreadMesh.pings(daemon, home, device, from, to, count);
    }

    /**
     * Polls until each group of nodes is one Thread partition of its own: one leader, the
     * rest attached, all with the same partition id, and no two groups with the same id.
     */
    private void awaitOneLeaderEach(String home, List<List<String>> groups, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            List<Map<String, String>> roles = groups.stream().map(g -> ThreadMesh.roles(daemon, home, g)).toList();
            boolean ok = roles.stream().allMatch(r -> r.values().stream().filter("leader"::equals).count() == 1
                    && r.values().stream().allMatch(ATTACHED::contains));
            List<Set<String>> ids = new ArrayList<>();
            if (ok) {
                for (List<String> g : groups) {
                    ids.add(new java.util.HashSet<>(g.stream().map(d -> ThreadMesh.partitionId(daemon, home, d)).toList()));
                }
                ok = ids.stream().allMatch(i -> i.size() == 1)
                        && ids.stream().flatMap(Set::stream).distinct().count() == groups.size();
            }
            if (ok) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "after " + seconds + " s: roles " + roles + ", partition ids " + ids);
            java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L); // a poll of the nodes' stacks
        }
    }

    @Test
    void aLossyLinkStillCarriesPingsAndTheCaptureHoldsMleFrames() throws Exception {
        Map<String, String> devices = home(2);
        String home = homes.get(0);
        String a = devices.get("n1");
        String b = devices.get("n2");
        JsonNode started = http("POST", "/thread/" + home + "/capture/start");
        assertTrue(started.get("capturing").asBoolean(), started.toString());
        ThreadMesh.form(daemon, home, List.of(a, b));
        ThreadMesh.awaitRoles(daemon, home, List.of(a, b), ATTACHED::contains, 60);

        // Nobody watches this home, yet its recording learns the roles (asked less often).
        long deadline = System.nanoTime() + 60_000_000_000L;
        java.util.function.Predicate<Map<String, String>> bothAttached = r -> r.keySet().containsAll(List.of(a, b))
                && r.values().stream().allMatch(ATTACHED::contains);
        Map<String, String> recorded = recordedRoles(home);
        while (!bothAttached.test(recorded) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L); // between looks at the recording
            recorded = recordedRoles(home);
        }
        assertTrue(bothAttached.test(recorded), "both nodes' roles in the unwatched home's recording: " + recorded);

        String from = ThreadMesh.ctl(daemon, home, a, "ipaddr mleid").lines().findFirst().orElseThrow().strip();
        String to = ThreadMesh.ctl(daemon, home, b, "ipaddr mleid").lines().findFirst().orElseThrow().strip();
        // A clean link first: the mesh carries pings, and the address query is answered (lost
        // under loss, OpenThread would wait 15 s to ask again).
        int clean = pings(home, a, from, to, 3);
        assertTrue(clean > 0, "pings over the mesh on a clean link");
        daemon.stub.setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home).setMedium("thread")
                .setFromDeviceId(a).setToDeviceId(b).setBothWays(true)
                .setConditions(LinkConditions.newBuilder().setLossPercent(30)).build());
        int lossy = pings(home, a, from, to, 30);
        System.out.println("thread link at 30% loss both ways: " + lossy + "/30 pings answered (clean: " + clean + "/3)");
        assertTrue(lossy > 0, "pings still pass the lossy link");

        JsonNode topology = http("GET", "/thread/" + home);
        long dropped = 0;
        for (JsonNode node : topology.get("nodes")) {
            for (JsonNode nb : node.get("neighbors")) {
                dropped += nb.get("dropped").asLong();
            }
        }
        assertTrue(dropped > 0, "the medium dropped frames on the lossy link: " + topology);
        ThreadTopology overGrpc = daemon.stub.getThreadTopology(GetThreadTopologyRequest.newBuilder().setHomeId(home)
                .build());
        assertEquals(Set.of(a, b), overGrpc.getNodesList().stream().map(ThreadNodeState::getDeviceId)
                .collect(java.util.stream.Collectors.toSet()));
        assertTrue(overGrpc.getNodesList().stream().allMatch(n -> ATTACHED.contains(n.getRole())), overGrpc.toString());

        http("POST", "/thread/" + home + "/capture/stop");
        byte[] pcap = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + daemon.httpPort() + "/thread/" + home + "/capture")).build(), HttpResponse.BodyHandlers.ofByteArray())
                .body();
        Path file = Files.createTempFile("thread-capture", ".pcap");
        try {
            Files.write(file, pcap);
            assumeTrue(new ProcessBuilder("sh", "-c", "command -v tshark").start().waitFor() == 0,
                    "tshark is not installed (scripts/setup-host.sh installs it): capture check skipped");
            Process tshark = new ProcessBuilder("tshark", "-r", file.toString(), "-Y", "mle").redirectErrorStream(true)
                    .start();
            String out = new String(tshark.getInputStream().readAllBytes());
            assertEquals(0, tshark.waitFor(), out);
            long mle = out.lines().filter(l -> l.contains("MLE")).count();
            System.out.println("thread capture: " + pcap.length + " bytes, " + mle + " MLE frames tshark decodes");
            assertTrue(mle > 0, out);
        } finally {
            Files.delete(file);
        }
    }

    /**
     * 50 ± 40 ms each way adds 100 ms to the mesh's round trip, as on IP and WiFi (Thread once
     * drew latency + 0..jitter: a mean of 143 ms where 105 ms was due).
     */
    @Test
    void aLinksJitterAddsTwiceItsLatencyToTheMeanRoundTrip() {
        Map<String, String> devices = home(2);
        String home = homes.get(0);
        String a = devices.get("n1");
        String b = devices.get("n2");
        ThreadMesh.form(daemon, home, List.of(a, b));
        ThreadMesh.awaitRoles(daemon, home, List.of(a, b), ATTACHED::contains, 60);

        String from = ThreadMesh.ctl(daemon, home, a, "ipaddr mleid").lines().findFirst().orElseThrow().strip();
        String to = ThreadMesh.ctl(daemon, home, b, "ipaddr mleid").lines().findFirst().orElseThrow().strip();
        rtts(home, a, from, to, 5); // the address query answered before anything is timed
        double[] clean = rtts(home, a, from, to, 40);
        daemon.stub.setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home).setMedium("thread")
                .setFromDeviceId(a).setToDeviceId(b).setBothWays(true)
                .setConditions(LinkConditions.newBuilder().setLatencyMs(50).setJitterMs(40)).build());
        double[] shaped = rtts(home, a, from, to, 150);
        double base = mean(clean);
        double got = mean(shaped);
        System.out.printf("thread link at 50 ± 40 ms both ways: mesh RTT mean %.1f ms, median %.1f, over %d pings (min"
                + " %.1f, max %.1f); clean mean %.1f ms, so %.1f ms added (100 due)%n", got, median(shaped),
                shaped.length, shaped[0], shaped[shaped.length - 1], base, got - base);
        // The medium acknowledges frames on a delayed link at once (ThreadAir), so the MAC no
        // longer retries every frame: on a quiet machine 148-149 of 150 come back. Under load the
        // mesh can still lose a burst (75 of 150 once, with stress-ng on both CPUs; the link has
        // no loss): enough must come back to measure the mean.
        assertTrue(shaped.length >= 60, "too few pings answered to measure: " + shaped.length + "/150");
        // The mean of 150 sums of two uniform ±40 ms draws varies by 2.7 ms (one standard
        // deviation; 3.8 ms for 75); 10 ms is almost four, or 2.7 for 75. Before the medium's acknowledgements a ping caught in
        // the MAC's retries took hundreds of ms and the mean came out 16-22 ms high; the older draw
        // (latency + 0..jitter) put it 40 ms higher.
        double added = got - base;
        assertTrue(Math.abs(added - 100) <= 10, "the mean of latency ± jitter, twice: " + added + " ms added");
        assertTrue(shaped[0] >= 20 - 1, "never below 2 x (50 - 40) ms: " + shaped[0]);
    }

    /** The round trips of {@code count} mesh pings that were answered, ascending, in ms. */
    private static double[] rtts(String home, String device, String from, String to, int count) {
        String out = daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(device).setCommand("sh -c 'ping -6 -c " + count + " -i 0.25 -W 3 -I " + from + " " + to
                        + "; true'").build()).getOutput();
        return Pattern.compile("time=([\\d.]+) ms").matcher(out).results()
                .mapToDouble(r -> Double.parseDouble(r.group(1))).sorted().toArray();
    }

    private static double mean(double[] values) {
        return java.util.Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Two homes of one daemon, and a home of a second daemon on the same host. */
    @Test
    void homesAndDaemonsNeverHearEachOther() throws Exception {
        Map<String, String> a = home(2);
        Map<String, String> b = home(1);
        String homeA = homes.get(0);
        String homeB = homes.get(1);
        try (TestDaemon other = ThreadMesh.daemon(ThreadMesh.requireOpenThread())) {
            String[] homeC = new String[1];
            Map<String, String> c = ThreadMesh.home(other, 1, homeC);
            ThreadMesh.awaitStacks(other, homeC[0], List.copyOf(c.values()), 60);
            ThreadMesh.form(daemon, homeA, List.of(a.get("n1")));
            ThreadMesh.form(daemon, homeB, List.of(b.get("n1")));
            ThreadMesh.form(other, homeC[0], List.of(c.get("n1")));
            ThreadMesh.ctl(daemon, homeA, a.get("n2"), "ifconfig up");
            String panA = pan(daemon, homeA, a.get("n1"));
            Set<String> others = Set.of(pan(daemon, homeB, b.get("n1")), pan(other, homeC[0], c.get("n1")));
            assumeTrue(!others.contains(panA), "another network drew home A's PAN id; nothing to tell apart");
            String scan = ThreadMesh.ctl(daemon, homeA, a.get("n2"), "scan");
            assertTrue(scan.contains(panA), "home A's own network is heard: " + scan);
            for (String pan : others) {
                assertFalse(scan.contains(pan), "another home's network (PAN " + pan + ") is not: " + scan);
            }
            other.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(homeC[0]).build());
        }
    }

    /** The network's PAN id as {@code ot-ctl scan} prints it: four hex digits, no 0x. */
    private static String pan(TestDaemon d, String home, String device) {
        return ThreadMesh.ctl(d, home, device, "panid").lines().findFirst().orElseThrow().strip().replace("0x", "");
    }

    private static ThreadMedium medium() {
        return (ThreadMedium) daemon.server.homes().links().find(ThreadMedium.NAME).orElseThrow();
    }

    /** Each node's last THREAD_ROLE_CHANGED in the home's recording (its events.jsonl). */
    private static Map<String, String> recordedRoles(String home) throws Exception {
        byte[] zip = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + daemon.httpPort() + "/recording/" + home)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        Map<String, String> roles = new java.util.TreeMap<>();
        String events = new String(RecordingTest.entries(zip).get("events.jsonl"), java.nio.charset.StandardCharsets.UTF_8);
        for (String line : events.split("\n")) {
            JsonNode e = line.isBlank() ? null : new ObjectMapper().readTree(line);
            if (e != null && e.path("kind").asText().equals("THREAD_ROLE_CHANGED")) {
                roles.put(e.path("device_id").asText(), e.path("detail").path("to").asText());
            }
        }
        return roles;
    }

    private static JsonNode http(String method, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + daemon.httpPort() + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }
}
