package dev.cirque.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.testing.Eventually;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.ThreadCapability;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Test helper: homes of real OpenThread nodes (ot-rcp on the host, ot-daemon in
 * cirque/thread-node) on a test daemon, and the ot-ctl steps tests repeat. The tests
 * using it skip, saying why, where OpenThread or the image is absent.
 */
final class ThreadMesh {

    static final String IMAGE = "cirque/thread-node";

    private ThreadMesh() {}

    /** Skips the calling test unless real OpenThread is at hand; returns its binary directory. */
    static String requireOpenThread() {
        String bin = System.getenv("CIRQUE_OT_BIN_DIR");
        assumeTrue(bin != null && Files.isExecutable(Path.of(bin, "ot-rcp")),
                "CIRQUE_OT_BIN_DIR is not set to a directory with OpenThread's ot-rcp: real-radio test skipped");
        try (DockerEngine engine = DockerEngine.connect(null)) {
            assumeTrue(engine.imageExists(IMAGE), IMAGE + " is not built (scripts/build-thread-image.sh DIR):"
                    + " real-radio test skipped");
        }
        return bin;
    }

    static TestDaemon daemon(String bin) throws Exception {
        return new TestDaemon(new HostSettings(MountPolicy.anyPath(), Map.of("thread.bin-dir", bin)));
    }

    /** A home of {@code n} RCP nodes named n1..nN, created in one call; device ids by name. */
    static Map<String, String> home(TestDaemon d, int n, String[] homeId) {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 1; i <= n; i++) {
            b.putDevices("n" + i, DeviceSpecification.newBuilder().setDeviceType("thread_node").setBaseImage(IMAGE)
                    .setThreadCapability(ThreadCapability.newBuilder().setRcpMode(true)).build());
        }
        CreateCirqueHomeWithDevicesResponse made = d.stub.createCirqueHomeWithDevices(b.build());
        homeId[0] = made.getHomeId();
        Map<String, String> ids = new TreeMap<>((x, y) -> Integer.compare(Integer.parseInt(x.substring(1)),
                Integer.parseInt(y.substring(1))));
        made.getDevicesMap().forEach((k, v) -> ids.put(k, v.getDeviceId()));
        return ids;
    }

    /**
     * {@code ot-ctl COMMAND}'s output. ot-daemon resets a CLI session that comes while it
     * serves another (a watch's): that is tried again, three times at most. The reset shows as
     * "Connection reset", or, when ot-ctl was writing, as a silent death by SIGPIPE (an ABORTED
     * call with no output).
     */
    static String ctl(TestDaemon d, String home, String device, String command) {
        for (int attempt = 1; ; attempt++) {
            try {
                return d.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                        .setDeviceId(device).setCommand("ot-ctl " + command).build()).getOutput();
            } catch (StatusRuntimeException e) {
                String why = String.valueOf(e.getStatus().getDescription());
                if (attempt == 3 || !(why.contains("Connection reset") || why.isBlank() || why.equals("null"))) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50L * attempt));
            }
        }
    }

    /**
     * Pings {@code to} from node {@code device} over the mesh, {@code count} times, 0.2 s
     * apart; how many were answered. The source is given: Linux would pick eth0's address
     * for a mesh-local destination.
     */
    static int pings(TestDaemon d, String home, String device, String from, String to, int count) {
        String out = d.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(device).setCommand("sh -c 'ping -6 -c " + count + " -i 0.2 -W 3 -I " + from + " " + to
                        + "; true'").build()).getOutput();
        java.util.regex.Matcher received = java.util.regex.Pattern.compile("(\\d+) received").matcher(out);
        org.junit.jupiter.api.Assertions.assertTrue(received.find(), out);
        return Integer.parseInt(received.group(1));
    }

    /** The node's role: {@code ot-ctl state}'s first line. */
    static String state(TestDaemon d, String home, String device) {
        return ctl(d, home, device, "state").lines().findFirst().orElse("").strip();
    }

    /** Waits (polling every 200 ms, up to {@code seconds}) until ot-daemon answers in each node. */
    static void awaitStacks(TestDaemon d, String home, List<String> devices, int seconds) {
        java.time.Duration within = java.time.Duration.ofSeconds(seconds);
        for (String device : devices) {
            StatusRuntimeException[] last = {null};
            Eventually.await("ot-daemon in " + device + " to answer", within, java.time.Duration.ofMillis(200), () -> {
                try {
                    ctl(d, home, device, "state");
                    return java.util.Optional.of(true);
                } catch (StatusRuntimeException e) {
                    last[0] = e;
                    return java.util.Optional.empty();
                }
            }, () -> last[0] == null ? "" : last[0].getStatus().toString());
        }
    }

    /**
     * Forms one network: the first node makes it and leads; the others take its dataset and
     * start, all at once. Router selection and network-id timeouts are shortened (1 s and
     * 10 s) so that upgrades and partitions take seconds, not OpenThread's minutes.
     */
    static void form(TestDaemon d, String home, List<String> devices) {
        String leader = devices.get(0);
        for (String c : List.of("routerselectionjitter 1", "networkidtimeout 10", "dataset init new",
                "dataset commit active", "ifconfig up", "thread start")) {
            ctl(d, home, leader, c);
        }
        awaitRoles(d, home, List.of(leader), r -> r.equals("leader"), 30);
        String tlvs = ctl(d, home, leader, "dataset active -x").lines().findFirst().orElse("").strip();
        parallel(devices.subList(1, devices.size()), device -> {
            for (String c : List.of("routerselectionjitter 1", "networkidtimeout 10", "dataset set active " + tlvs,
                    "ifconfig up", "thread start")) {
                ctl(d, home, device, c);
            }
        });
    }

    /** Each node's role, asked at once. */
    static Map<String, String> roles(TestDaemon d, String home, List<String> devices) {
        Map<String, String> out = new java.util.concurrent.ConcurrentHashMap<>();
        parallel(devices, device -> out.put(device, state(d, home, device)));
        return new TreeMap<>(out);
    }

    /** Polls (every 500 ms) until every node's role passes {@code ok}; fails with the roles after {@code seconds}. */
    static Map<String, String> awaitRoles(TestDaemon d, String home, List<String> devices, Predicate<String> ok,
            int seconds) {
        Object[] roles = {Map.of()};
        return Eventually.await("roles " + devices + " to pass", java.time.Duration.ofSeconds(seconds),
                java.time.Duration.ofMillis(500), () -> {
                    Map<String, String> now = roles(d, home, devices);
                    roles[0] = now;
                    return now.values().stream().allMatch(ok) ? java.util.Optional.of(now) : java.util.Optional.empty();
                }, () -> String.valueOf(roles[0]));
    }

    /** The leader's partition id as each node sees it ({@code ot-ctl leaderdata}). */
    static String partitionId(TestDaemon d, String home, String device) {
        return ctl(d, home, device, "leaderdata").lines().filter(l -> l.startsWith("Partition ID"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("?");
    }

    static void parallel(List<String> devices, java.util.function.Consumer<String> body) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(16, devices.size())));
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (String device : devices) {
                all.add(CompletableFuture.runAsync(() -> body.accept(device), pool));
            }
            all.forEach(CompletableFuture::join);
        } finally {
            pool.shutdown();
        }
    }
}
