package dev.cirque.bench;

import com.github.dockerjava.api.DockerClient;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CommandOutput;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The soak of the hardening issue: many clients for many minutes doing what test suites
 * do (create a home, exec, stream, destroy) and what careless ones do (cancel a create
 * half way, leave a stream, hang up on HTTP), then a count of what is left: containers,
 * networks, the daemon's child processes, fds and threads, against the same counts taken
 * idle after a warm-up of the same load. Every call that fails other than as asked (a
 * cancel, a deadline) is counted as an error.
 */
final class Soak {

    private static final Set<Status.Code> ASKED_FOR = Set.of(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED);

    private final BenchDaemon daemon;
    private final DockerClient docker;
    private final String image;
    private final int clients;
    private final Duration length;
    private final LinkBench.Rows rows;
    private final Map<String, LongAdder> done = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final List<String> firstErrors = new ArrayList<>();

    Soak(BenchDaemon daemon, DockerClient docker, String image, int clients, Duration length, LinkBench.Rows rows) {
        this.daemon = daemon;
        this.docker = docker;
        this.image = image;
        this.clients = clients;
        this.length = length;
        this.rows = rows;
    }

    void run() throws Exception {
        say("soak: warm-up, " + clients + " clients for 30 s");
        load(Duration.ofSeconds(30));
        Counts idle = settled();
        done.clear();
        errors.clear();
        say("soak: idle after warm-up: " + idle + "; now " + clients + " clients for " + length.toMinutes() + " min");
        long rssBefore = daemon.rssKb();
        long t0 = System.nanoTime();
        load(length);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long rssAfter = daemon.rssKb();
        Counts after = settled();
        long ops = done.values().stream().mapToLong(LongAdder::sum).sum();
        long failed = errors.values().stream().mapToLong(LongAdder::sum).sum();
        say("soak: done " + done + "; errors " + errors + (firstErrors.isEmpty() ? "" : "; first: " + firstErrors));
        say("soak: after: " + after);
        String label = clients + " clients, " + length.toMinutes() + " min";
        rows.row("soak (" + label + "): calls", ops + " (" + String.format(Locale.ROOT, "%.0f", ops / seconds) + "/s)",
                "", "", "", null);
        rows.row("soak: calls failed other than as asked", Long.toString(failed), "", "", "0", failed == 0);
        rows.row("soak: containers / networks left", after.containers + " / " + after.networks, "", "", "0 / 0",
                after.containers == 0 && after.networks == 0);
        rows.row("soak: daemon child processes, fds, threads after (idle baseline)", after.children + ", " + after.fds
                + ", " + after.threads, idle.children + ", " + idle.fds + ", " + idle.threads, "", "<= baseline",
                after.children <= idle.children && after.fds <= idle.fds && after.threads <= idle.threads);
        rows.row("soak: daemon resident memory before / after", rssBefore / 1024 + " / " + rssAfter / 1024 + " MB", "",
                "", "", null);
    }

    /** {@code clients} threads doing random work until {@code time} has passed; then every home is stopped. */
    private void load(Duration time) throws InterruptedException {
        long end = System.nanoTime() + time.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            pool.submit(() -> {
                List<CreateCirqueHomeWithDevicesResponse> mine = new ArrayList<>();
                while (System.nanoTime() < end) {
                    step(mine);
                }
                mine.forEach(h -> attempt("destroy", () -> stop(h.getHomeId())));
            });
        }
        pool.shutdown();
        pool.awaitTermination(time.toMinutes() + 10, TimeUnit.MINUTES);
        for (String home : stub().listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdList()) {
            stop(home); // homes of creates cancelled too late to be rolled back (a finished create stays)
        }
    }

    private void step(List<CreateCirqueHomeWithDevicesResponse> mine) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        if (mine.isEmpty() || (mine.size() < 2 && r.nextInt(8) == 0)) {
            create(mine, r);
            return;
        }
        CreateCirqueHomeWithDevicesResponse home = mine.get(r.nextInt(mine.size()));
        String device = home.getDevicesMap().values().iterator().next().getDeviceId();
        switch (r.nextInt(10)) {
            case 0, 1, 2 -> attempt("exec", () -> stub().executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder()
                    .setHomeId(home.getHomeId()).setDeviceId(device).setCommand("echo soak").build()));
            case 3 -> attempt("stream, left", () -> leaveStream(home.getHomeId(), device));
            case 4 -> attempt("http exec", () -> http("GET /device_cmd/" + home.getHomeId() + "/" + device + "/"
                    + URLEncoder.encode("echo soak", StandardCharsets.UTF_8).replace("+", "%20"), false));
            case 5 -> attempt("http stream, hung up", () -> http("GET /device_cmd/" + home.getHomeId() + "/" + device
                    + "/" + URLEncoder.encode("sh -c 'echo a; sleep 30'", StandardCharsets.UTF_8).replace("+", "%20")
                    + "?stream=True", true));
            case 6 -> attempt("http state", () -> http("GET /device_state/" + home.getHomeId() + "/" + device, false));
            case 7 -> attempt("list", () -> stub().listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()));
            default -> {
                mine.remove(home);
                attempt("destroy", () -> stop(home.getHomeId()));
            }
        }
    }

    /** A create, a third of them given a deadline that may cut it short (and must roll it back). */
    private void create(List<CreateCirqueHomeWithDevicesResponse> mine, ThreadLocalRandom r) {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
            b.putDevices("n" + i, DeviceSpecification.newBuilder().setDeviceType(image).build());
        }
        boolean cut = r.nextInt(3) == 0;
        CirqueServiceGrpc.CirqueServiceBlockingStub s = cut
                ? CirqueServiceGrpc.newBlockingStub(daemon.channel).withDeadlineAfter(5 + r.nextInt(400), TimeUnit.MILLISECONDS)
                : stub();
        attempt(cut ? "create, cut short" : "create", () -> mine.add(s.createCirqueHomeWithDevices(b.build())));
    }

    /** A streamed command its caller leaves after the first output. */
    private void leaveStream(String home, String device) throws Exception {
        Context.CancellableContext call = Context.current().withCancellation();
        try {
            call.call(() -> {
                Iterator<CommandOutput> it = stub().executeDeviceCommandStream(ExecuteDeviceCommandRequest.newBuilder()
                        .setHomeId(home).setDeviceId(device).setCommand("sh -c 'echo a; sleep 30'").build());
                return it.next();
            });
        } finally {
            call.cancel(null);
        }
    }

    /** An HTTP request; with {@code hangUp}, the connection is closed once the first bytes arrive. */
    private void http(String requestLine, boolean hangUp) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), daemon.httpPort)) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1:" + daemon.httpPort
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12);
            String status = new String(head, StandardCharsets.US_ASCII);
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException("HTTP answered '" + status + "' to " + requestLine);
            }
            if (!hangUp) {
                in.readAllBytes();
            }
        }
    }

    private void stop(String home) {
        stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
    }

    private interface Call {
        void run() throws Exception;
    }

    private void attempt(String what, Call call) {
        try {
            call.run();
            done.computeIfAbsent(what, k -> new LongAdder()).increment();
        } catch (StatusRuntimeException e) {
            if (what.equals("create, cut short") && ASKED_FOR.contains(e.getStatus().getCode())) {
                done.computeIfAbsent(what + " (cut)", k -> new LongAdder()).increment();
                return;
            }
            failed(what, e.getStatus().toString());
        } catch (Exception e) {
            failed(what, e.toString());
        }
    }

    private void failed(String what, String why) {
        errors.computeIfAbsent(what, k -> new LongAdder()).increment();
        synchronized (firstErrors) {
            if (firstErrors.size() < 5) {
                firstErrors.add(what + ": " + why);
            }
        }
    }

    private CirqueServiceGrpc.CirqueServiceBlockingStub stub() {
        return CirqueServiceGrpc.newBlockingStub(daemon.channel).withDeadlineAfter(2, TimeUnit.MINUTES);
    }

    // --- what is left ------------------------------------------------------------------------

    private record Counts(int containers, int networks, int children, int fds, int threads) {
        @Override
        public String toString() {
            return containers + " containers, " + networks + " networks, " + children + " child processes, " + fds
                    + " fds, " + threads + " threads";
        }
    }

    /**
     * The counts once the daemon has settled: pools shrink after their keep-alive (60 s at
     * most), so this polls until the thread count has not moved for 15 s (at most 3 min).
     */
    private Counts settled() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Counts last = counts();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - stableSince < TimeUnit.SECONDS.toNanos(15)) {
            sleep(1000); // a poll of /proc and Docker, once a second
            Counts now = counts();
            if (now.threads != last.threads || now.fds != last.fds) {
                stableSince = System.nanoTime();
            }
            last = now;
        }
        return last;
    }

    private Counts counts() throws IOException {
        long pid = daemon.process.pid();
        int containers = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("cirque.managed", "true")).exec().size();
        int networks = docker.listNetworksCmd().withFilter("label", List.of("cirque.managed=true")).exec().size();
        int fds;
        try (Stream<Path> f = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = (int) f.count();
        }
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring(8).strip());
            }
        }
        int children = (int) daemon.process.toHandle().descendants().count();
        return new Counts(containers, networks, children, fds, threads);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(String s) {
        System.out.println("[bench] " + s);
    }
}
