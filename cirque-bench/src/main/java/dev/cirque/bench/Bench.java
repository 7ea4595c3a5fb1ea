package dev.cirque.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The benchmark of issue 6. The daemon runs as the README runs it (scripts/cirque-daemon) and is
 * driven over gRPC on loopback; the baseline is the same Docker work done directly with
 * docker-java, in parallel, in the same run against the same engine. Every row is a ratio
 * or a difference against that baseline, or an absolute figure against its target.
 * One class of about 430 lines, a script in Java: each measurement is a method read top to
 * bottom next to its baseline; the speed issue's new figures split it by measurement.
 */
public final class Bench {

    private static final String IMAGE = "generic_node_image";
    private static final Map<String, String> LABELS = Map.of("cirque.managed", "true", "cirque.bench", "true");

    private final List<String> daemonCommand;
    private final Path out;
    private final int rounds;
    private final List<String> only;
    private int soakMinutes = 10;
    private int soakClients = 32;
    private int manyHomes = 200;
    private final DockerClient docker;
    private final List<String[]> rows = new ArrayList<>();

    private Bench(List<String> daemonCommand, Path out, int rounds, List<String> only) {
        this.daemonCommand = daemonCommand;
        this.out = out;
        this.rounds = rounds;
        this.only = only;
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        this.docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).maxConnections(128).connectionTimeout(Duration.ofSeconds(5)).build());
    }

    public static void main(String[] args) throws Exception {
        List<String> daemon = List.of("scripts/cirque-daemon");
        Path out = Path.of("bench-results.md");
        int rounds = 3;
        List<String> only = List.of("startup", "bringup", "warm", "exec", "list", "links", "thread", "recorder",
                "memory");
        Map<String, Integer> extra = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--daemon" -> daemon = List.of(args[++i].split(" "));
                case "--out" -> out = Path.of(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--only" -> only = List.of(args[++i].split(","));
                case "--soak-minutes", "--soak-clients", "--homes" -> {
                    extra.put(args[i], Integer.parseInt(args[i + 1]));
                    i++;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Bench bench = new Bench(daemon, out, rounds, only);
        bench.soakMinutes = extra.getOrDefault("--soak-minutes", bench.soakMinutes);
        bench.soakClients = extra.getOrDefault("--soak-clients", bench.soakClients);
        bench.manyHomes = extra.getOrDefault("--homes", bench.manyHomes);
        bench.run();
    }

    private void run() throws Exception {
        say("engine: Docker " + docker.versionCmd().exec().getVersion() + "; " + Runtime.getRuntime().availableProcessors()
                + " cores; image " + IMAGE + "; " + rounds + " rounds per size (median)");
        List<Long> starts = new ArrayList<>();
        // One start not counted: the launcher's first run records its class archive.
        BenchDaemon daemon = BenchDaemon.start(daemonCommand, false);
        for (int i = 0; i < (only.contains("startup") ? 3 : 1); i++) {
            if (daemon != null) {
                daemon.close();
            }
            daemon = BenchDaemon.start(daemonCommand, false);
            starts.add(daemon.startMillis);
        }
        try (BenchDaemon d = daemon) {
            Thread.sleep(1000);
            if (only.contains("bringup")) {
                for (int n : new int[] {1, 10, 30}) {
                    bringUpAndTeardown(d, n);
                }
            }
            if (only.contains("warm")) {
                warmHomes(d);
            }
            if (only.contains("exec")) {
                exec(d);
            }
            if (only.contains("list")) {
                new RpcRate(d, IMAGE, this::row).run();
            }
            if (only.contains("links")) {
                new LinkBench(d::stub, d.process.pid(), IMAGE, this::row).run();
            }
            if (only.contains("thread")) {
                new ThreadRelayBench(this::row).run();
            }
            if (only.contains("recorder")) {
                new RecorderBench(this::row).run();
                recordedStream(d);
            }
            if (only.contains("startup")) {
                row("daemon start to health SERVING (median of 3)", ms(median(starts)), "", "", "<= 1500 ms",
                        median(starts) <= 1500);
            }
            if (only.contains("memory")) {
                // On a daemon of its own: after the rate steps' millions of calls the first daemon's
                // heap has grown to its bound, which says nothing of what 100 nodes take.
                try (BenchDaemon fresh = BenchDaemon.start(daemonCommand, false)) {
                    Thread.sleep(1000);
                    long rss0 = fresh.rssKb();
                    long rss100 = rssWith(fresh, 100);
                    row("daemon resident memory, 0 nodes", mb(rss0), "", "", "", null);
                    row("daemon resident memory, 100 nodes", mb(rss100), "", "", "<= 250 MB", rss100 <= 250 * 1024);
                }
            }
        } finally {
            removeLeftovers();
        }
        if (only.contains("homes")) {
            try (BenchDaemon d = BenchDaemon.start(daemonCommand, false, "--max-homes", Integer.toString(manyHomes))) {
                new ManyHomes(d, IMAGE, manyHomes, 3, this::row).run();
            }
        }
        if (only.contains("soak")) {
            try (BenchDaemon d = BenchDaemon.start(daemonCommand, true)) {
                new Soak(d, docker, IMAGE, soakClients, Duration.ofMinutes(soakMinutes), this::row).run();
            }
        }
        print();
    }

    // --- measurements ----------------------------------------------------------------------

    private void bringUpAndTeardown(BenchDaemon d, int n) throws Exception {
        List<Long> oursUp = new ArrayList<>();
        List<Long> oursDown = new ArrayList<>();
        List<Long> directUp = new ArrayList<>();
        List<Long> directDown = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            // Alternate which goes first, so neither always meets a warmer engine.
            for (int which = 0; which < 2; which++) {
                if ((r + which) % 2 == 0) {
                    long t0 = System.nanoTime();
                    CreateCirqueHomeWithDevicesResponse home = d.stub().createCirqueHomeWithDevices(homeOf(n));
                    long t1 = System.nanoTime();
                    d.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home.getHomeId()).build());
                    long t2 = System.nanoTime();
                    oursUp.add(t1 - t0);
                    oursDown.add(t2 - t1);
                } else {
                    long[] times = direct(n);
                    directUp.add(times[0]);
                    directDown.add(times[1]);
                }
            }
        }
        say("bring-up N=" + n + ": ours " + msList(oursUp) + ", direct " + msList(directUp));
        double up = (double) median(oursUp) / median(directUp);
        double down = (double) median(oursDown) / median(directDown);
        row("bring-up of " + n + " node(s)", ms(median(oursUp) / 1_000_000), ms(median(directUp) / 1_000_000),
                ratio(up), n == 30 ? "<= 1.15" : "", n == 30 ? up <= 1.15 : null);
        row("teardown of " + n + " node(s)", ms(median(oursDown) / 1_000_000), ms(median(directDown) / 1_000_000),
                ratio(down), n == 30 ? "<= 1.15" : "", n == 30 ? down <= 1.15 : null);
    }

    /** The physical limit: network, then N containers created, attached and started at once. */
    private long[] direct(int n) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            long t0 = System.nanoTime();
            String network = docker.createNetworkCmd().withName("cirque-bench-" + id).withDriver("bridge")
                    .withLabels(LABELS).exec().getId();
            List<CompletableFuture<String>> made = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "cirque-bench-" + id + "-" + i;
                made.add(CompletableFuture.supplyAsync(() -> {
                    String c = docker.createContainerCmd(IMAGE).withName(name).withLabels(LABELS)
                            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("cirque-bench-" + id))
                            .exec().getId();
                    docker.startContainerCmd(c).exec();
                    return c;
                }, pool));
            }
            List<String> containers = made.stream().map(CompletableFuture::join).toList();
            long t1 = System.nanoTime();
            containers.stream().map(c -> CompletableFuture.runAsync(() ->
                    docker.removeContainerCmd(c).withForce(true).withRemoveVolumes(true).exec(), pool))
                    .toList().forEach(CompletableFuture::join);
            docker.removeNetworkCmd(network).exec();
            long t2 = System.nanoTime();
            return new long[] {t1 - t0, t2 - t1};
        } finally {
            pool.shutdown();
        }
    }

    /**
     * CreateCirqueHomeWithDevices of a 10-node home: cold on the daemon as it runs by default,
     * and handed out warm by a second daemon started with --warm-homes 1, once its spare is
     * ready (its containers counted in Docker, by that daemon's owner label).
     */
    /** The recorder under a shaped TCP stream: this daemon (recording) against one with --recording-bytes 0. */
    private void recordedStream(BenchDaemon recording) throws Exception {
        LinkBench.StreamCost off;
        try (BenchDaemon plain = BenchDaemon.start(daemonCommand, false, "--recording-bytes", "0")) {
            off = new LinkBench(plain::stub, plain.process.pid(), IMAGE, this::row).streamCost();
        }
        LinkBench.StreamCost on = new LinkBench(recording::stub, recording.process.pid(), IMAGE, this::row).streamCost();
        row("Recorder: TCP A->B at 10 ms, recorded (1000 MiB, socat)", mbps(on.mbit()), mbps(off.mbit()) + " not",
                String.format(Locale.ROOT, "%.2f", on.mbit() / off.mbit()), "", null);
        row("Recorder: daemon CPU during that stream", pct(on.daemonCores()), pct(off.daemonCores()) + " not",
                String.format(Locale.ROOT, "%+.0f%% of a core", (on.daemonCores() - off.daemonCores()) * 100), "", null);
        row("Recorder: dumpcap CPU during that stream (the home's bridge)", pct(on.dumpcapCores()), "", "", "", null);
    }

    private static String mbps(double v) {
        return String.format(Locale.ROOT, "%,.0f Mbit/s", v);
    }

    private static String pct(double cores) {
        return String.format(Locale.ROOT, "%.0f%% of a core", cores * 100);
    }

    private void warmHomes(BenchDaemon d) throws Exception {
        List<Long> cold = new ArrayList<>();
        List<Long> warm = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            String home = d.stub().createCirqueHomeWithDevices(homeOf(10)).getHomeId();
            cold.add(System.nanoTime() - t0);
            d.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
        try (BenchDaemon w = BenchDaemon.start(daemonCommand, false, "--warm-homes", "1")) {
            String owner = w.process.pid() + ":";
            String first = w.stub().createCirqueHomeWithDevices(homeOf(10)).getHomeId(); // makes the first spare
            for (int r = 0; r < rounds; r++) {
                awaitContainers(owner, 20); // the home asked for and a ready spare
                long t0 = System.nanoTime();
                String home = w.stub().createCirqueHomeWithDevices(homeOf(10)).getHomeId();
                warm.add(System.nanoTime() - t0);
                w.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
            }
            w.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(first).build());
        }
        double c = percentile(cold, 50) / 1e6;
        double x = percentile(warm, 50) / 1e6;
        row("CreateCirqueHomeWithDevices, 10 nodes, cold (median of " + rounds + ")", ms(c), "", "", "as today", null);
        row("CreateCirqueHomeWithDevices, 10 nodes, warm (--warm-homes 1, median of " + rounds + ")", ms(x), ms(c),
                String.format(Locale.ROOT, "%.0fx faster", c / x), "<= 100 ms", x <= 100);
    }

    /** Waits until exactly {@code n} containers of the daemon whose owner label starts so are running. */
    private void awaitContainers(String ownerPrefix, int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < until) {
            long running = docker.listContainersCmd().withLabelFilter(Map.of("cirque.managed", "true")).exec().stream()
                    .filter(c -> c.getLabels().getOrDefault("cirque.owner", "").startsWith(ownerPrefix)).count();
            if (running == n) {
                return;
            }
            Thread.sleep(100); // between looks at Docker
        }
        throw new IllegalStateException("the warm daemon's spare home was not ready within 2 minutes");
    }

    /**
     * ExecuteDeviceCommand `true` three ways, in the same run: the daemon's fast path
     * (its default), the same daemon told to use Docker's exec (a second daemon started with
     * --exec-via docker), and docker-java's exec straight to Docker.
     */
    private void exec(BenchDaemon d) throws Exception {
        try (BenchDaemon viaDocker = BenchDaemon.start(daemonCommand, false, "--exec-via", "docker")) {
            CreateCirqueHomeWithDevicesResponse home = d.stub().createCirqueHomeWithDevices(homeOf(1));
            CreateCirqueHomeWithDevicesResponse home2 = viaDocker.stub().createCirqueHomeWithDevices(homeOf(1));
            String container = home.getDevicesMap().values().iterator().next().getDeviceName();
            ExecuteDeviceCommandRequest fastCall = trueIn(home);
            ExecuteDeviceCommandRequest dockerCall = trueIn(home2);
            try {
                List<Long> fast = new ArrayList<>();
                List<Long> docker = new ArrayList<>();
                List<Long> direct = new ArrayList<>();
                // One way at a time: a Docker exec leaves runc and the shim busy for a moment after it
                // answers, which would land on whatever call came next.
                for (int i = 0; i < 550; i++) { // the first 50 of each warm up
                    long t0 = System.nanoTime();
                    d.stub().executeDeviceCommand(fastCall);
                    if (i >= 50) {
                        fast.add(System.nanoTime() - t0);
                    }
                }
                for (int i = 0; i < 550; i++) {
                    long t0 = System.nanoTime();
                    viaDocker.stub().executeDeviceCommand(dockerCall);
                    if (i >= 50) {
                        docker.add(System.nanoTime() - t0);
                    }
                }
                for (int i = 0; i < 550; i++) {
                    long t0 = System.nanoTime();
                    directExec(container);
                    if (i >= 50) {
                        direct.add(System.nanoTime() - t0);
                    }
                }
                for (int q : new int[] {50, 99}) {
                    double f = percentile(fast, q) / 1e6;
                    double k = percentile(docker, q) / 1e6;
                    double x = percentile(direct, q) / 1e6;
                    row("ExecuteDeviceCommand `true`, p" + q + ", fast path (500 calls)", ms(f), ms(x),
                            String.format(Locale.ROOT, "%.1fx faster", x / f), q == 50 ? "<= 5 ms, >= 5x" : "",
                            q == 50 ? f <= 5.0 && x / f >= 5.0 : null);
                    row("ExecuteDeviceCommand `true`, p" + q + ", --exec-via docker (500 calls)", ms(k), ms(x),
                            String.format(Locale.ROOT, "%+.2f ms", k - x), "", null);
                }
            } finally {
                d.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home.getHomeId()).build());
                viaDocker.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home2.getHomeId()).build());
            }
        }
    }

    private static ExecuteDeviceCommandRequest trueIn(CreateCirqueHomeWithDevicesResponse home) {
        return ExecuteDeviceCommandRequest.newBuilder().setHomeId(home.getHomeId())
                .setDeviceId(home.getDevicesMap().values().iterator().next().getDeviceId()).setCommand("true").build();
    }

    private static long percentile(List<Long> samples, int q) {
        List<Long> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * q / 100));
    }

    /** What ExecuteDeviceCommand does, straight through docker-java: create, start and read, inspect. */
    private void directExec(String container) throws InterruptedException {
        String exec = docker.execCreateCmd(container).withCmd("true").withAttachStdout(true).withAttachStderr(true)
                .exec().getId();
        docker.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>()).awaitCompletion();
        docker.inspectExecCmd(exec).exec();
    }

    private long rssWith(BenchDaemon d, int n) throws Exception {
        CreateCirqueHomeWithDevicesResponse home = d.stub().createCirqueHomeWithDevices(homeOf(n));
        try {
            return d.rssKb();
        } finally {
            d.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home.getHomeId()).build());
        }
    }

    // --- the daemon under test ---------------------------------------------------------------

    // --- helpers ---------------------------------------------------------------------------

    private static CreateCirqueHomeWithDevicesRequest homeOf(int n) {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 0; i < n; i++) {
            b.putDevices(String.format(Locale.ROOT, "node%03d", i), DeviceSpecification.newBuilder().setDeviceType(IMAGE).build());
        }
        return b.build();
    }

    private void removeLeftovers() {
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of("cirque.bench", "true")).exec()
                .forEach(c -> docker.removeContainerCmd(c.getId()).withForce(true).exec());
        docker.listNetworksCmd().withFilter("label", List.of("cirque.bench=true")).exec()
                .forEach(n -> docker.removeNetworkCmd(n.getId()).exec());
    }

    private void row(String measure, String ours, String direct, String ratio, String target, Boolean met) {
        rows.add(new String[] {measure, ours, direct, ratio, target, met == null ? "" : met ? "yes" : "NO"});
    }

    private void print() throws IOException {
        StringBuilder t = new StringBuilder();
        t.append("| measure | cirque-java | docker-java direct | ratio / difference | target | met |\n");
        t.append("|---|---|---|---|---|---|\n");
        for (String[] r : rows) {
            t.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        System.out.println();
        System.out.print(t);
        Files.writeString(out, t.toString());
        say("table written to " + out.toAbsolutePath());
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String msList(List<Long> nanos) {
        return nanos.stream().map(n -> Long.toString(n / 1_000_000)).toList() + " ms";
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.1f ms", millis);
    }

    private static String mb(long kb) {
        return String.format(Locale.ROOT, "%.0f MB", kb / 1024.0);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    private static void say(String s) {
        System.out.println("[bench] " + s);
    }
}
