package dev.cirque.core.testing;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.engine.NetworkAddresses;
import dev.cirque.core.engine.NodeHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory {@link ContainerEngine} for unit tests of the core's logic (registry, limits,
 * transactions, rollback, drain, networks): a fake, deliberately. It keeps containers and
 * networks in maps, so a test can see exactly what is left; it can be told to fail or to
 * hold at a named call. Behaviour against a real engine is tested in cirque-grpc-server
 * against the real dockerd. Shared with the other modules' tests as cirque-core's test-jar,
 * so that the operations and the fronts' translation also run without dockerd.
 */
public final class FakeEngine implements ContainerEngine {

    /** A container as the fake keeps it. */
    public record Container(String id, ContainerPlan plan, String network, boolean started) {}

    /** A network as the fake keeps it. */
    public record Net(String id, String name, Map<String, String> labels, NetworkConfig config) {}

    public final Set<String> images = ConcurrentHashMap.newKeySet();
    public final Map<String, Container> containers = new ConcurrentHashMap<>();
    public final Map<String, Net> networks = new ConcurrentHashMap<>();
    /** Every call made, in order: {@code createNetwork cirque-...}, {@code removeContainer <id>}, ... */
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    /** Calls that fail for one object only: operation + " " + its id or name. */
    private final Set<String> failingFor = ConcurrentHashMap.newKeySet();
    private final Map<String, CountDownLatch[]> holds = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile DeathListener deathListener;
    private volatile Integer dieWhenStarted;

    public FakeEngine(String... images) {
        this.images.addAll(List.of(images));
    }

    /** Makes every later call of {@code operation} fail as an engine that said {@code message}. */
    public FakeEngine failOn(String operation, String message) {
        failures.put(operation, message);
        return this;
    }

    /** Makes calls of {@code operation} on the object {@code id} (only) fail. */
    public FakeEngine failFor(String operation, String id) {
        failingFor.add(operation + " " + id);
        return this;
    }

    /** Lets such calls succeed again. */
    public FakeEngine recover(String operation, String id) {
        failingFor.remove(operation + " " + id);
        return this;
    }

    /**
     * Holds calls of {@code operation} until {@code release} opens; {@code reached} opens when
     * the first such call arrives.
     */
    public FakeEngine holdOn(String operation, CountDownLatch reached, CountDownLatch release) {
        holds.put(operation, new CountDownLatch[] {reached, release});
        return this;
    }

    private void enter(String operation, String detail) {
        calls.add(operation + " " + detail);
        CountDownLatch[] hold = holds.get(operation);
        if (hold != null) {
            hold[0].countDown();
            try {
                if (!hold[1].await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released " + operation);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failingFor.contains(operation + " " + detail)) {
            throw new CirqueException(CirqueException.Kind.INTERNAL, "the engine could not " + operation + " " + detail);
        }
        String failure = failures.get(operation);
        if (failure != null) {
            throw new CirqueException(CirqueException.Kind.UNAVAILABLE, failure);
        }
    }

    @Override
    public String ping() {
        return "fake engine";
    }

    @Override
    public String imageId(String image) {
        enter("imageId", image);
        return "sha256:" + image;
    }

    @Override
    public boolean imageExists(String image) {
        enter("imageExists", image);
        return images.contains(image);
    }

    @Override
    public String createNetwork(String name, Map<String, String> labels, NetworkConfig config) {
        enter("createNetwork", name);
        String id = "net-" + ids.incrementAndGet();
        networks.put(id, new Net(id, name, labels, config));
        return id;
    }

    @Override
    public void removeNetwork(String networkId) {
        enter("removeNetwork", networkId);
        Net net = networks.get(networkId);
        if (net != null && containers.values().stream().anyMatch(c -> c.network().equals(net.name()))) {
            throw new CirqueException(CirqueException.Kind.FAILED_PRECONDITION, "network " + net.name()
                    + " has active endpoints");
        }
        networks.remove(networkId);
    }

    @Override
    public String createContainer(ContainerPlan plan, String network) {
        enter("createContainer", plan.name());
        if (networks.values().stream().noneMatch(n -> n.name().equals(network))) {
            throw CirqueException.notFound("network " + network + " not found");
        }
        String id = "ctr-" + ids.incrementAndGet();
        containers.put(id, new Container(id, plan, network, false));
        return id;
    }

    @Override
    public void startContainer(String containerId) {
        enter("startContainer", containerId);
        containers.computeIfPresent(containerId, (k, c) -> new Container(c.id(), c.plan(), c.network(), true));
        Integer code = dieWhenStarted;
        if (code != null) {
            die(containerId, code);
        }
    }

    /** Makes every container die with {@code exitCode} as soon as it starts, told before the start returns. */
    public FakeEngine dieWhenStarted(int exitCode) {
        dieWhenStarted = exitCode;
        return this;
    }

    /** A container dies on its own, as a killed or crashed one: stopped, and the watcher told. */
    public void die(String containerId, int exitCode) {
        containers.computeIfPresent(containerId, (k, c) -> new Container(c.id(), c.plan(), c.network(), false));
        DeathListener listener = deathListener;
        if (listener != null) {
            listener.died(containerId, exitCode, java.time.Instant.now());
        }
    }

    @Override
    public void stopContainer(String containerId, Duration grace) {
        enter("stopContainer", containerId);
        lastStopGrace = grace;
        containers.computeIfPresent(containerId, (k, c) -> new Container(c.id(), c.plan(), c.network(), false));
    }

    @Override
    public AutoCloseable watchDeaths(Map<String, String> labels, DeathListener listener) {
        deathListener = listener; // the fake's containers die only when a test says so (die)
        return () -> deathListener = null;
    }

    @Override
    public NodeHost nodeHost() {
        return new NodeHost() {
            @Override
            public long namespacePid(String containerId) {
                return 1000 + Long.parseLong(containerId.substring(4));
            }

            @Override
            public void shareHostFile(ContainerPlan plan, Path hostPath, String containerPath) {
                plan.bind(hostPath.toString(), containerPath, false);
            }

            @Override
            public ExecResult firewall(List<String> args) {
                calls.add("firewall " + String.join(" ", args));
                return new ExecResult(0, "");
            }
        };
    }

    @Override
    public NetworkAddresses addresses(String containerId, String network) {
        enter("addresses", containerId);
        return new NetworkAddresses("10.0.0." + containerId.substring(4), "");
    }

    /** Echoes its argv ({@code bytes N}: N bytes of 'a', in 64 KiB chunks); {@code false} exits 1, anything else 0. */
    @Override
    public int exec(String containerId, List<String> argv, Duration timeout, OutputSink sink) {
        enter("exec", String.join(" ", argv));
        if (!containers.containsKey(containerId)) {
            throw CirqueException.notFound("no container " + containerId);
        }
        if (argv.get(0).equals("bytes")) {
            emit(Long.parseLong(argv.get(1)), sink);
            return 0;
        }
        sink.accept(OutputSink.Stream.STDOUT, String.join("|", argv).getBytes(StandardCharsets.UTF_8));
        return argv.get(0).equals("false") ? 1 : 0;
    }

    /** Logs of {@link #logBytes} bytes of 'a'. */
    @Override
    public void logs(String containerId, int tail, boolean timestamps, OutputSink sink) {
        emit(logBytes, sink);
    }

    public long logBytes;
    public volatile Duration lastStopGrace;

    private static void emit(long n, OutputSink sink) {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'a');
        for (long left = n; left > 0; left -= chunk.length) {
            sink.accept(OutputSink.Stream.STDOUT, left >= chunk.length ? chunk : java.util.Arrays.copyOf(chunk, (int) left));
        }
    }

    @Override
    public void removeContainer(String containerId) {
        enter("removeContainer", containerId);
        containers.remove(containerId);
    }

    @Override
    public List<Labelled> containersWithLabels(Map<String, String> labels) {
        return containers.values().stream().filter(c -> c.plan().labels().entrySet().containsAll(labels.entrySet()))
                .map(c -> new Labelled(c.id(), c.plan().labels())).toList();
    }

    @Override
    public List<Labelled> networksWithLabels(Map<String, String> labels) {
        return networks.values().stream().filter(n -> n.labels().entrySet().containsAll(labels.entrySet()))
                .map(n -> new Labelled(n.id(), n.labels())).toList();
    }

    @Override
    public void close() {}
}
