package dev.cirque.server;

import dev.cirque.server.wire.DeviceConfigs;

import dev.cirque.capabilities.ThreadCapability;
import dev.cirque.capabilities.XvncCapability;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.home.Limits;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.host.SubnetPool;
import dev.cirque.core.recording.Recordings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The settings of the core and its host, shared by every command that runs the core (the
 * daemon, and the CLI without {@code --connect}), so both run it the same way: same engine,
 * mount policy, capability settings, limits and start-up sweep.
 */
public final class HostOptions {

    @Option(names = "--docker-host", paramLabel = "URI", defaultValue = "${env:DOCKER_HOST:-unix:///var/run/docker.sock}",
            description = "The Docker engine to drive (env DOCKER_HOST; default ${DEFAULT-VALUE}).")
    String dockerHost;

    @Option(names = "--mount-root", paramLabel = "DIR", split = ":", defaultValue = "${env:CIRQUE_MOUNT_ROOTS}",
            description = "Host directories Mount and Weave may take paths from (repeatable, or ':'-separated;"
                    + " env CIRQUE_MOUNT_ROOTS). Without any (and without --mount-any-path), no host path can be"
                    + " mounted. /, /run, /proc, /sys, /dev, /etc, /root, /boot and Docker's state are always"
                    + " refused.")
    List<Path> mountRoots;

    @Option(names = "--mount-any-path",
            description = "Let Mount and Weave take any host path but the host's own state (/, /run, /etc, /root,"
                    + " Docker's ...), instead of only paths under --mount-root. Unsafe where the API is reachable"
                    + " by anyone but you.")
    boolean mountAnyPath;

    @Option(names = "--ot-bin-dir", paramLabel = "DIR", defaultValue = "${env:CIRQUE_OT_BIN_DIR}",
            description = "Directory of OpenThread's simulation binaries ot-ncp-ftd and ot-rcp, for the Thread"
                    + " capability (env CIRQUE_OT_BIN_DIR; default: the PATH).")
    String otBinDir;

    @Option(names = "--xvnc-expose",
            description = "Let Xvnc servers listen beyond loopback (on every interface, each with a generated"
                    + " password) when the client does not ask for localhost. Off: VNC stays on loopback.")
    boolean xvncExpose;

    @Option(names = "--ipvlan-parent", paramLabel = "IFACE", defaultValue = "${env:CIRQUE_IPVLAN_PARENT}",
            description = "Host interface IpvLan networks hang off (env CIRQUE_IPVLAN_PARENT; default: the"
                    + " default route's).")
    String ipvlanParent;

    @Option(names = "--ipvlan-subnet", paramLabel = "CIDR", defaultValue = "${env:CIRQUE_IPVLAN_SUBNET}",
            description = "IPv4 subnet of IpvLan networks, e.g. the real LAN's (default: Docker picks one).")
    String ipvlanSubnet;

    @Option(names = "--ipvlan-gateway", paramLabel = "IP", defaultValue = "${env:CIRQUE_IPVLAN_GATEWAY}",
            description = "IPv4 gateway of IpvLan networks (default: Docker picks one).")
    String ipvlanGateway;

    @Option(names = "--home-subnets", paramLabel = "CIDR", defaultValue = "${env:CIRQUE_HOME_SUBNETS:-"
            + SubnetPool.DEFAULT_IPV4 + "}",
            description = "IPv4 range whose /24s the homes' networks get, one each, instead of Docker's default"
                    + " pools (about 30 networks); /24s already routed on the host are passed over (env"
                    + " CIRQUE_HOME_SUBNETS; default ${DEFAULT-VALUE}).")
    String homeSubnets;

    @Option(names = "--home-subnets6", paramLabel = "CIDR", defaultValue = "${env:CIRQUE_HOME_SUBNETS6:-"
            + SubnetPool.DEFAULT_IPV6 + "}",
            description = "IPv6 /48 whose /64s the homes' IPv6 networks get (default ${DEFAULT-VALUE}).")
    String homeSubnets6;

    @Option(names = "--ignore-unknown-keys",
            description = "Take device configs with keys cirque does not know, as Cirque did, ignoring those keys"
                    + " (said in the log). Off: such a config is refused with a 400 that names the key.")
    boolean ignoreUnknownKeys;

    @Option(names = "--keep-orphans",
            description = "Leave what a killed earlier daemon left behind (containers, networks, iptables rules,"
                    + " Xvnc servers, radios, leases) for inspection, instead of removing it at start.")
    boolean keepOrphans;

    @Option(names = "--max-homes", paramLabel = "N", defaultValue = "64",
            description = "Homes at once (default ${DEFAULT-VALUE}); past it RESOURCE_EXHAUSTED.")
    int maxHomes;

    @Option(names = "--warm-homes", paramLabel = "N", defaultValue = "0",
            description = "Spare homes to keep ready per topology asked for (default ${DEFAULT-VALUE}: none): after a"
                    + " home is created or stopped, up to N homes of its topology are made in the background, hidden"
                    + " and counted under --max-homes, and a creation with an identical topology is handed one at once.")
    int warmHomes;

    @Option(names = "--max-nodes-per-home", paramLabel = "N", defaultValue = "256",
            description = "Devices per home (default ${DEFAULT-VALUE}).")
    int maxNodesPerHome;

    @Option(names = "--max-command-bytes", paramLabel = "N", defaultValue = "65536",
            description = "Length of a command line (default ${DEFAULT-VALUE}).")
    int maxCommandBytes;

    @Option(names = "--max-output-bytes", paramLabel = "N", defaultValue = "4000000",
            description = "How much of a command's output or a node's log is kept for one answer (default"
                    + " ${DEFAULT-VALUE}, under gRPC's usual 4 MiB message); the rest is cut, and the answer says so.")
    long maxOutputBytes;

    @Option(names = "--docker-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Time limit of every Docker call but exec and log streams (default ${DEFAULT-VALUE}).")
    int dockerTimeoutSeconds;

    /** How commands reach a node's container. */
    enum ExecVia { auto, docker }

    @Option(names = "--exec-via", paramLabel = "auto|docker", defaultValue = "auto",
            description = "auto (default): run commands by entering the node's container from this host where"
                    + " that holds (a local engine, the daemon as root), in milliseconds; else, and with docker,"
                    + " through Docker's exec.")
    ExecVia execVia;

    @Option(names = "--recording-bytes", paramLabel = "N", defaultValue = "67108864",
            description = "The flight recorder: each home keeps the last N bytes (default ${DEFAULT-VALUE}, 64 MiB) of"
                    + " its networks' and media's frames, events and node logs, from its creation, for GetRecording"
                    + " and GET /recording/{home}; 0 records nothing.")
    long recordingBytes;

    @Option(names = "--recording-total-bytes", paramLabel = "N",
            description = "The most all homes' recordings, live and kept after a stop, hold together (default: a"
                    + " quarter of the daemon's heap); stopped homes' recordings are let go first.")
    Long recordingTotalBytes;

    Limits limits() {
        return new Limits(maxHomes, maxNodesPerHome, maxCommandBytes, maxOutputBytes);
    }

    Duration dockerTimeout() {
        return Duration.ofSeconds(dockerTimeoutSeconds);
    }

    /** The flight recorder these options ask for. */
    Recordings recordings(HostLedger ledger) {
        return new Recordings(recordingBytes, recordingTotalBytes != null ? recordingTotalBytes
                : Recordings.defaultTotal(Runtime.getRuntime().maxMemory()), ledger);
    }

    /** Settings that make no sense, refused before anything starts. */
    void check() {
        if (recordingBytes < 0 || (recordingTotalBytes != null && recordingTotalBytes < 0)) {
            throw new IllegalArgumentException("--recording-bytes and --recording-total-bytes are 0 or more bytes");
        }
        try {
            new SubnetPool(homeSubnets, SubnetPool.DEFAULT_IPV6, null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--home-subnets must be an IPv4 range of /8../24: " + e.getMessage());
        }
        try {
            new SubnetPool(SubnetPool.DEFAULT_IPV4, homeSubnets6, null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--home-subnets6 must be an IPv6 /48: " + e.getMessage());
        }
    }

    /** The mount policy and the named settings capabilities read. */
    HostSettings hostSettings() {
        MountPolicy mounts = mountAnyPath ? MountPolicy.anyPath()
                : new MountPolicy(mountRoots == null ? List.of() : mountRoots);
        Map<String, String> settings = new HashMap<>();
        putIfSet(settings, ThreadCapability.BIN_DIR, otBinDir);
        putIfSet(settings, "ipvlan.parent", ipvlanParent);
        putIfSet(settings, XvncCapability.EXPOSE, xvncExpose ? "true" : null);
        putIfSet(settings, DeviceConfigs.IGNORE_UNKNOWN_KEYS, ignoreUnknownKeys ? "true" : null);
        putIfSet(settings, "ipvlan.subnet", ipvlanSubnet);
        putIfSet(settings, "ipvlan.gateway", ipvlanGateway);
        putIfSet(settings, SubnetPool.SETTING, homeSubnets);
        putIfSet(settings, SubnetPool.SETTING6, homeSubnets6);
        return new HostSettings(mounts, settings);
    }

    private static void putIfSet(Map<String, String> settings, String key, String value) {
        if (value != null && !value.isBlank()) {
            settings.put(key, value.strip());
        }
    }
}
