package dev.cirque.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.LogContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.engine.NetworkAddresses;
import dev.cirque.core.engine.NodeHost;
import dev.cirque.core.host.SameMachineHost;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ContainerEngine} over docker-java with its Apache HttpClient 5 transport: one
 * pooled client for the daemon's life, so concurrent calls share connections instead of
 * opening one each. Exec is {@link DockerExecs}', networks {@link DockerNetworks}', error
 * translation {@link DockerErrors}'.
 */
public final class DockerEngine implements ContainerEngine {

    private static final Logger log = LoggerFactory.getLogger(DockerEngine.class);

    /** For calls that answer promptly: each has a time limit. */
    private final DockerClient client;
    /** The network each container this engine made is on (see DockerNetworks.leave). */
    private final Map<String, String> networkOf = new ConcurrentHashMap<>();
    private final DockerNetworks networks;
    /** For exec and log streams, which may be silent as long as their command is. */
    private final DockerClient streams;
    private final String host;
    private final DockerExecs execs;
    /** Null where commands always go through Docker's exec. */
    private final FastExecs fastExecs;

    private DockerEngine(DockerClient client, DockerClient streams, String host, boolean fastExec) {
        this.client = client;
        this.streams = streams;
        this.host = host;
        this.execs = new DockerExecs(client, streams, host);
        this.networks = new DockerNetworks(client, host);
        this.fastExecs = !fastExec ? null : FastExecs.forEngine(host, id -> call("inspect container " + shortId(id),
                () -> client.inspectContainerCmd(id).exec())).orElse(null);
    }

    /**
     * Connects to {@code dockerHost} (e.g. {@code unix:///var/run/docker.sock} or
     * {@code tcp://127.0.0.1:2375}); {@code null} means {@code DOCKER_HOST} or, without it,
     * the local unix socket, as the docker CLI does.
     */
    public static DockerEngine connect(String dockerHost) {
        return connect(dockerHost, Duration.ofSeconds(60));
    }

    /**
     * As {@link #connect(String)}, with a time limit on every call but exec and log streams
     * (an engine that does not answer within it is UNAVAILABLE).
     */
    public static DockerEngine connect(String dockerHost, Duration callTimeout) {
        return connect(dockerHost, callTimeout, true);
    }

    /**
     * As {@link #connect(String, Duration)}; with {@code fastExec}, commands run by entering the
     * container from this host where that holds ({@link FastExecs}), else always through Docker's exec.
     */
    public static DockerEngine connect(String dockerHost, Duration callTimeout, boolean fastExec) {
        DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder();
        if (dockerHost != null && !dockerHost.isBlank()) {
            config.withDockerHost(dockerHost);
        }
        DockerClientConfig built = config.build();
        return new DockerEngine(DockerClientImpl.getInstance(built, http(built, callTimeout)),
                DockerClientImpl.getInstance(built, http(built, null)), built.getDockerHost().toString(), fastExec);
    }

    private static ApacheDockerHttpClient http(DockerClientConfig config, Duration responseTimeout) {
        ApacheDockerHttpClient.Builder b = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(128)
                .connectionTimeout(Duration.ofSeconds(5)); // fail fast when the engine is down
        if (responseTimeout != null) {
            b.responseTimeout(responseTimeout);
        }
        return b.build();
    }

    public String host() {
        return host;
    }

    @Override
    public String ping() {
        Info info = call("reach the Docker engine", () -> client.infoCmd().exec());
        return "Docker " + info.getServerVersion() + " at " + host;
    }

    @Override
    public String imageId(String image) {
        return call("inspect image " + image, () -> client.inspectImageCmd(image).exec().getId());
    }

    @Override
    public boolean imageExists(String image) {
        try {
            call("inspect image " + image, () -> client.inspectImageCmd(image).exec());
            return true;
        } catch (CirqueException e) {
            if (e.getCause() instanceof NotFoundException) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Docker names a user-defined bridge network's Linux bridge {@code br-} and the id's first 12
     * characters (on the engine's host: the recorder looks for it there before capturing).
     */
    @Override
    public Optional<String> hostBridge(String networkId) {
        return networkId.length() >= 12 ? Optional.of("br-" + networkId.substring(0, 12)) : Optional.empty();
    }

    @Override
    public String createNetwork(String name, Map<String, String> labels, NetworkConfig config) {
        return networks.create(name, labels, config);
    }

    @Override
    public void removeNetwork(String networkId) {
        networks.remove(networkId);
    }

    @Override
    public String createContainer(ContainerPlan plan, String network) {
        HostConfig hostConfig = DockerPlans.hostConfig(plan, network);
        List<String> env = DockerPlans.env(plan);
        String id = call("create container " + plan.name() + " from " + plan.image(), () -> {
            try (CreateContainerCmd cmd = client.createContainerCmd(plan.image())) {
                return cmd.withName(plan.name())
                        .withHostName(DockerPlans.hostname(plan.name()))
                        .withLabels(plan.labels())
                        .withEnv(env)
                        .withTty(plan.tty())
                        .withStdinOpen(plan.stdinOpen())
                        .withHostConfig(hostConfig)
                        .exec()
                        .getId();
            }
        });
        networkOf.put(id, network);
        return id;
    }

    @Override
    public void startContainer(String containerId) {
        if (fastExecs != null) {
            fastExecs.forget(containerId); // a container started again has another pid
        }
        call("start container " + shortId(containerId), () -> {
            client.startContainerCmd(containerId).exec();
            return null;
        });
    }

    @Override
    public void stopContainer(String containerId, Duration grace) {
        if (fastExecs != null) {
            fastExecs.forget(containerId); // its pid and start time will not be those of the next start
        }
        call("stop container " + shortId(containerId), () -> {
            try {
                client.stopContainerCmd(containerId).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
            } catch (com.github.dockerjava.api.exception.NotModifiedException e) {
                log.debug("container {} was not running", shortId(containerId));
            }
            return null;
        });
    }

    @Override
    public AutoCloseable watchDeaths(Map<String, String> labels, DeathListener listener) {
        return new DeathWatch(streams, labels, listener).start();
    }

    @Override
    public NodeHost nodeHost() {
        // Containers of a Docker engine run on this machine (cirque drives only a local engine,
        // or a local one through a TCP socket): host pids, host paths and host iptables apply.
        return new SameMachineHost(this::pid);
    }

    private long pid(String containerId) {
        InspectContainerResponse inspect =
                call("inspect container " + shortId(containerId), () -> client.inspectContainerCmd(containerId).exec());
        Long pid = inspect.getState() == null ? null : inspect.getState().getPidLong();
        if (pid == null || pid <= 0) {
            throw CirqueException.precondition("container " + shortId(containerId) + " is not running");
        }
        return pid;
    }

    @Override
    public NetworkAddresses addresses(String containerId, String network) {
        InspectContainerResponse inspect =
                call("inspect container " + shortId(containerId), () -> client.inspectContainerCmd(containerId).exec());
        ContainerNetwork net = Optional.ofNullable(inspect.getNetworkSettings())
                .map(s -> s.getNetworks())
                .map(m -> m.get(network))
                .orElseThrow(() -> new CirqueException(Kind.INTERNAL,
                        "container " + shortId(containerId) + " is not attached to network " + network));
        return new NetworkAddresses(nullToEmpty(net.getIpAddress()), nullToEmpty(net.getGlobalIPv6Address()));
    }

    @Override
    public int exec(String containerId, List<String> argv, Duration timeout, OutputSink sink) {
        if (fastExecs != null) {
            OptionalInt code = fastExecs.run(containerId, argv, timeout, sink);
            if (code.isPresent()) {
                return code.getAsInt();
            }
        }
        return execs.run(containerId, argv, timeout, sink);
    }

    /** Whether commands may run by entering containers from this host (see {@link FastExecs}). */
    boolean fastExecAvailable() {
        return fastExecs != null;
    }

    /** Whether a command in this container would take the fast path now. */
    boolean fastExecFor(String containerId) {
        return fastExecs != null && fastExecs.canEnter(containerId);
    }

    @Override
    public void logs(String containerId, int tail, boolean timestamps, OutputSink sink) {
        ResultCallback.Adapter<Frame> out = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                sink.accept(frame.getStreamType() == StreamType.STDERR
                        ? OutputSink.Stream.STDERR : OutputSink.Stream.STDOUT, frame.getPayload());
            }
        };
        call("read logs of " + shortId(containerId), () -> {
            try (LogContainerCmd cmd = streams.logContainerCmd(containerId)) {
                cmd.withStdOut(true).withStdErr(true).withFollowStream(false).withTimestamps(timestamps);
                if (tail > 0) {
                    cmd.withTail(tail);
                } else {
                    cmd.withTailAll();
                }
                return cmd.exec(out).awaitCompletion();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CirqueException(Kind.DEADLINE_EXCEEDED, "interrupted while reading logs");
            }
        });
    }

    @Override
    public void removeContainer(String containerId) {
        if (fastExecs != null) {
            fastExecs.forget(containerId);
        }
        String network = networkOf.remove(containerId);
        if (network != null) {
            networks.leave(network, containerId);
        }
        try {
            call("remove container " + shortId(containerId), () -> {
                client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
                return null;
            });
        } catch (CirqueException e) {
            if (!(e.getCause() instanceof NotFoundException)) {
                throw e;
            }
        }
    }

    @Override
    public List<Labelled> containersWithLabels(Map<String, String> labels) {
        return call("list containers", () -> client.listContainersCmd().withShowAll(true).withLabelFilter(labels)
                .exec().stream().map(c -> new Labelled(c.getId(), c.getLabels() == null ? Map.of() : c.getLabels()))
                .toList());
    }

    @Override
    public List<Labelled> networksWithLabels(Map<String, String> labels) {
        return networks.labelled(labels);
    }

    @Override
    public void close() {
        for (DockerClient c : List.of(client, streams)) {
            try {
                c.close();
            } catch (IOException e) {
                log.debug("closing a Docker client: {}", e.toString());
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------

    private <T> T call(String what, Supplier<T> action) {
        return DockerErrors.call(host, what, action);
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
