package dev.cirque.core.engine;

import dev.cirque.core.engine.ContainerPlan;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The little the core needs of a container engine. Docker is the first implementation
 * (cirque-engine-docker); what a Kubernetes back end would do for each call, and what it
 * could not, is in cirque-core/ENGINES.md. What capabilities do outside the container is
 * {@link NodeHost}'s. Every method throws
 * {@link dev.cirque.core.CirqueException}: UNAVAILABLE when the engine does not answer,
 * NOT_FOUND or FAILED_PRECONDITION where the engine said so.
 */
public interface ContainerEngine extends AutoCloseable {

    /** Checks the engine answers; returns a one-line description of it. */
    String ping();

    boolean imageExists(String image);

    /** The id of what {@code image} names now (it changes when the name is given to a new build). */
    String imageId(String image);

    /** Creates a network carrying {@code labels}; returns its id. */
    String createNetwork(String name, Map<String, String> labels, NetworkConfig config);

    /**
     * How a network is made.
     *
     * @param driver      {@code bridge}, {@code ipvlan} or {@code macvlan}
     * @param internal    no route out of the network
     * @param options     driver options (e.g. {@code parent} for ipvlan/macvlan)
     * @param ipv4Subnet  the IPv4 subnet; empty lets the engine pick one
     * @param ipv4Gateway the IPv4 gateway; empty lets the engine pick one
     * @param ipv6Subnet  an IPv6 subnet to enable IPv6 with; empty for none
     */
    record NetworkConfig(String driver, boolean internal, Map<String, String> options, String ipv4Subnet,
            String ipv4Gateway, String ipv6Subnet) {
        public static NetworkConfig bridge() {
            return new NetworkConfig("bridge", false, Map.of(), "", "", "");
        }
    }

    /** Removes a network; a network already gone is not an error. */
    void removeNetwork(String networkId);

    /**
     * The host interface that carries every frame of a bridge network this engine made (for
     * the flight recorder's capture), or empty where the engine has none on this host.
     */
    default Optional<String> hostBridge(String networkId) {
        return Optional.empty();
    }

    /** Creates (not starts) a container attached to {@code network}; returns its id. */
    String createContainer(ContainerPlan plan, String network);

    void startContainer(String containerId);

    /**
     * Stops a running container as {@code docker stop} does: SIGTERM, then SIGKILL after
     * {@code grace}. The container stays, to be started again; one already stopped is not an error.
     */
    void stopContainer(String containerId, Duration grace);

    /**
     * Tells {@code listener} of every container carrying all of {@code labels} that dies (its
     * main process ended, whoever caused it) from now until the returned handle is closed.
     */
    AutoCloseable watchDeaths(Map<String, String> labels, DeathListener listener);

    /** Hears of containers that died. Called from the engine's event thread: return quickly. */
    interface DeathListener {
        /** @param at when the engine saw it die */
        void died(String containerId, int exitCode, java.time.Instant at);
    }

    /** Where capabilities act on a node from outside its container (pids, shared files, firewall). */
    NodeHost nodeHost();

    NetworkAddresses addresses(String containerId, String network);

    /**
     * Runs {@code argv} in the container, collecting stdout and stderr; on timeout
     * ({@code null} = none) the command is killed and DEADLINE_EXCEEDED thrown.
     */
    default ExecResult exec(String containerId, List<String> argv, Duration timeout) {
        return exec(containerId, argv, timeout, DEFAULT_OUTPUT_LIMIT);
    }

    /** How much of a command's or a log's output is kept when nobody said (4,000,000 bytes). */
    long DEFAULT_OUTPUT_LIMIT = 4_000_000;

    /** As the collecting form, keeping at most {@code maxOutputBytes} (see {@link CappedOutput}). */
    default ExecResult exec(String containerId, List<String> argv, Duration timeout, long maxOutputBytes) {
        CappedOutput out = new CappedOutput(maxOutputBytes);
        int code = exec(containerId, argv, timeout, out);
        return new ExecResult(code, out.text());
    }

    /**
     * Runs {@code argv} in the container, handing each chunk of output to {@code sink} as
     * it is produced; returns the exit code. Timeout as for the collecting form.
     */
    int exec(String containerId, List<String> argv, Duration timeout, OutputSink sink);

    /** Receives a command's output as it comes. */
    @FunctionalInterface
    interface OutputSink {
        enum Stream { STDOUT, STDERR }

        void accept(Stream stream, byte[] chunk);

        /** True once nobody reads any more (the caller went away): the command is then killed. */
        default boolean abandoned() {
            return false;
        }

        /** Whether anyone can go away (a streaming caller): only then is {@link #abandoned} looked at. */
        default boolean watched() {
            return false;
        }

        /** {@code sink}, abandoned when {@code gone} says so. */
        static OutputSink watching(OutputSink sink, BooleanSupplier gone) {
            return new OutputSink() {
                @Override
                public void accept(Stream stream, byte[] chunk) {
                    sink.accept(stream, chunk);
                }

                @Override
                public boolean abandoned() {
                    return gone.getAsBoolean();
                }

                @Override
                public boolean watched() {
                    return true;
                }
            };
        }
    }

    /** The container's stdout and stderr, handed to {@code sink} as read; {@code tail} = 0 for all lines. */
    default void logs(String containerId, int tail, OutputSink sink) {
        logs(containerId, tail, false, sink);
    }

    /** As {@link #logs(String, int, OutputSink)}, each line led by its time (RFC 3339, nanoseconds) when asked. */
    void logs(String containerId, int tail, boolean timestamps, OutputSink sink);

    /** The container's logs as text, keeping at most {@code maxBytes}. */
    default String logs(String containerId, int tail, long maxBytes) {
        CappedOutput out = new CappedOutput(maxBytes);
        logs(containerId, tail, out);
        return out.text();
    }

    /** Kills and removes a container; a container already gone is not an error. */
    void removeContainer(String containerId);

    /** An engine object and its labels. */
    record Labelled(String id, Map<String, String> labels) {}

    /** The containers carrying all of {@code labels}, with all their labels. */
    List<Labelled> containersWithLabels(Map<String, String> labels);

    /** The networks carrying all of {@code labels}, with all their labels. */
    List<Labelled> networksWithLabels(Map<String, String> labels);

    /** Ids of the containers carrying all of {@code labels}. */
    default List<String> containersLabelled(Map<String, String> labels) {
        return containersWithLabels(labels).stream().map(Labelled::id).toList();
    }

    /** Ids of the networks carrying all of {@code labels}. */
    default List<String> networksLabelled(Map<String, String> labels) {
        return networksWithLabels(labels).stream().map(Labelled::id).toList();
    }

    @Override
    void close();
}
