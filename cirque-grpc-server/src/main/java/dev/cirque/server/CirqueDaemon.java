package dev.cirque.server;

import dev.cirque.capabilities.ThreadCapability;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Janitor;
import dev.cirque.core.home.Limits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar cirque-daemon.jar}: the daemon's entry point. */
@Command(name = "cirque-daemon", mixinStandardHelpOptions = true, versionProvider = CirqueVersion.class,
        description = "Simulates connected homes of Docker nodes for integration tests, driven over gRPC.",
        sortOptions = false)
public final class CirqueDaemon implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(CirqueDaemon.class);

    @Option(names = "--grpc-address", paramLabel = "HOST:PORT",
            defaultValue = "${env:CIRQUE_GRPC_ADDRESS:-127.0.0.1:50051}",
            description = "Where gRPC listens (env CIRQUE_GRPC_ADDRESS; default ${DEFAULT-VALUE}).")
    String grpcAddress;

    @Option(names = "--http-address", paramLabel = "HOST:PORT",
            defaultValue = "${env:CIRQUE_HTTP_ADDRESS:-127.0.0.1:5000}",
            description = "Where Cirque's JSON/HTTP routes listen (env CIRQUE_HTTP_ADDRESS; default ${DEFAULT-VALUE}).")
    String httpAddress;

    @Option(names = "--no-http", description = "Serve gRPC only.")
    boolean noHttp;

    @Option(names = "--docker-host", paramLabel = "URI", defaultValue = "${env:DOCKER_HOST:-unix:///var/run/docker.sock}",
            description = "The Docker engine to drive (env DOCKER_HOST; default ${DEFAULT-VALUE}).")
    String dockerHost;

    @Option(names = "--mount-root", paramLabel = "DIR", split = ":", defaultValue = "${env:CIRQUE_MOUNT_ROOTS}",
            description = "Host directories Mount and Weave may take paths from (repeatable, or ':'-separated;"
                    + " env CIRQUE_MOUNT_ROOTS). Without any, every path is allowed but /, the Docker socket,"
                    + " /proc, /sys, /dev and /etc, which are always refused.")
    List<Path> mountRoots;

    @Option(names = "--ot-bin-dir", paramLabel = "DIR", defaultValue = "${env:CIRQUE_OT_BIN_DIR}",
            description = "Directory of OpenThread's simulation binaries ot-ncp-ftd and ot-rcp, for the Thread"
                    + " capability (env CIRQUE_OT_BIN_DIR; default: the PATH).")
    String otBinDir;

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

    @Option(names = "--keep-orphans",
            description = "Leave what a killed earlier daemon left behind (containers, networks, iptables rules,"
                    + " Xvnc servers, radios) for inspection, instead of removing it at start.")
    boolean keepOrphans;

    @Option(names = "--max-homes", paramLabel = "N", defaultValue = "64",
            description = "Homes at once (default ${DEFAULT-VALUE}); past it RESOURCE_EXHAUSTED.")
    int maxHomes;

    @Option(names = "--max-nodes-per-home", paramLabel = "N", defaultValue = "256",
            description = "Devices per home (default ${DEFAULT-VALUE}).")
    int maxNodesPerHome;

    @Option(names = "--max-command-bytes", paramLabel = "N", defaultValue = "65536",
            description = "Length of a command line (default ${DEFAULT-VALUE}).")
    int maxCommandBytes;

    @Option(names = "--max-request-bytes", paramLabel = "N", defaultValue = "4194304",
            description = "Size of a gRPC message or HTTP body (default ${DEFAULT-VALUE}); past it"
                    + " RESOURCE_EXHAUSTED or 413.")
    int maxRequestBytes;

    @Option(names = "--docker-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Time limit of every Docker call but exec and log streams (default ${DEFAULT-VALUE}).")
    int dockerTimeoutSeconds;

    @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long SIGTERM waits for every home to be torn down before exiting anyway"
                    + " (default ${DEFAULT-VALUE}).")
    int shutdownTimeoutSeconds;

    @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:CIRQUE_TOKEN_FILE}",
            description = "Require 'authorization: Bearer <token>' on every gRPC call and HTTP route, the token"
                    + " being this file's content (env CIRQUE_TOKEN_FILE, or the token itself in CIRQUE_TOKEN).")
    Path tokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", defaultValue = "${env:CIRQUE_TLS_CERT}",
            description = "Serve gRPC and HTTP over TLS with this certificate chain (env CIRQUE_TLS_CERT).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", defaultValue = "${env:CIRQUE_TLS_KEY}",
            description = "The certificate's private key, unencrypted PKCS#8 (env CIRQUE_TLS_KEY).")
    Path tlsKey;

    @Option(names = "--tls-client-ca", paramLabel = "PEM", defaultValue = "${env:CIRQUE_TLS_CLIENT_CA}",
            description = "Require client certificates signed by this CA (env CIRQUE_TLS_CLIENT_CA).")
    Path tlsClientCa;

    @Option(names = "--insecure",
            description = "Allow listening on a non-loopback address without a token or client certificates."
                    + " Anyone who reaches the port can run commands as root in the nodes.")
    boolean insecure;

    private Security security = Security.none();

    public static void main(String[] args) {
        System.exit(new CommandLine(new CirqueDaemon()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        security = security();
        InetSocketAddress address = listenAddress("--grpc-address", grpcAddress);
        InetSocketAddress http = noHttp ? null : listenAddress("--http-address", httpAddress);
        // Start-up is mostly class loading: load gRPC's on a second core while this one
        // connects to Docker.
        Thread warmUp = new Thread(DaemonServer::loadClasses, "cirque-warm-up");
        warmUp.start();
        DockerEngine engine = DockerEngine.connect(dockerHost, Duration.ofSeconds(dockerTimeoutSeconds));
        log.info("cirque-daemon {} starting; engine: {}", CirqueVersion.version(), engine.ping());
        HostSettings host = hostSettings();
        if (keepOrphans) {
            log.info("--keep-orphans: not sweeping what earlier daemons left");
        } else {
            Janitor.Report swept = Janitor.sweep(engine, host.ledger());
            log.info("start-up sweep: {} orphaned container(s), {} network(s), {} iptables rule(s), {} host"
                    + " process(es) removed", swept.containers(), swept.networks(), swept.iptablesRules(),
                    swept.processes());
        }
        CapabilityRegistry capabilities = CapabilityRegistry.fromClassPath(host);
        log.info("capabilities: {}", capabilities.names());
        warmUp.join();
        DaemonServer server;
        try {
            server = new DaemonServer(new HomeService(engine, capabilities,
                    new Limits(maxHomes, maxNodesPerHome, maxCommandBytes)), address, http, security, maxRequestBytes)
                    .start();
        } catch (IOException e) {
            engine.close();
            log.error("cannot listen on {}{}: {} (is another daemon running? choose other ports with"
                    + " --grpc-address / --http-address)", grpcAddress, http == null ? "" : " and " + httpAddress,
                    rootMessage(e));
            return 1;
        }
        // Any other way out (System.exit, the last thread ending) still tears down.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            engine.close();
        }, "cirque-exit"));
        Signals.onTerminate(() -> {
            Thread teardown = new Thread(server::stop, "cirque-teardown");
            teardown.start();
            try {
                teardown.join(shutdownTimeoutSeconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (teardown.isAlive()) {
                log.error("teardown still running after {} s (--shutdown-timeout); exiting anyway: the next"
                        + " start sweeps what is left", shutdownTimeoutSeconds);
                Runtime.getRuntime().halt(1);
            }
            engine.close();
            System.exit(0);
        });
        server.awaitTermination(); // until a signal runs the hook above
        return 0;
    }

    private Security security() throws IOException {
        String token = System.getenv("CIRQUE_TOKEN");
        if (tokenFile != null) {
            token = Files.readString(tokenFile).strip();
            if (token.isEmpty()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--token-file " + tokenFile + " is empty");
            }
        }
        try {
            Security s = new Security(token, tlsCert, tlsKey, tlsClientCa);
            log.info("callers: {}; transport: {}", token == null && tlsClientCa == null ? "anyone who can connect"
                    : (token != null ? "bearer token" : "") + (token != null && tlsClientCa != null ? " and " : "")
                    + (tlsClientCa != null ? "client certificate" : ""), s.tls() ? "TLS" : "plaintext");
            return s;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
    }

    HostSettings hostSettings() {
        MountPolicy mounts = new MountPolicy(mountRoots == null ? List.of() : mountRoots);
        if (!mounts.allowedRoots().isEmpty()) {
            log.info("mounts allowed under {}", mounts.allowedRoots());
        }
        Map<String, String> settings = new HashMap<>();
        putIfSet(settings, ThreadCapability.BIN_DIR, otBinDir);
        putIfSet(settings, "ipvlan.parent", ipvlanParent);
        putIfSet(settings, "ipvlan.subnet", ipvlanSubnet);
        putIfSet(settings, "ipvlan.gateway", ipvlanGateway);
        return new HostSettings(mounts, settings);
    }

    private static void putIfSet(Map<String, String> settings, String key, String value) {
        if (value != null && !value.isBlank()) {
            settings.put(key, value.strip());
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** Parses a listen address; beyond loopback only with --insecure, and then with a warning. */
    private InetSocketAddress listenAddress(String flag, String text) throws UnknownHostException {
        InetSocketAddress address;
        try {
            address = parseAddress(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), flag + ": " + e.getMessage());
        }
        if (!address.getAddress().isLoopbackAddress() && !security.authenticates()) {
            if (!insecure) {
                throw new CommandLine.ParameterException(new CommandLine(this), flag + " " + text
                        + " is not a loopback address: the API runs commands as root in the nodes, so"
                        + " listening beyond this machine needs a token (--token-file), client certificates"
                        + " (--tls-client-ca), or --insecure");
            }
            log.warn("{} {}: listening beyond loopback without authentication (--insecure)", flag, text);
        }
        return address;
    }

    /** {@code host:port}, {@code [v6]:port} or {@code :port} (loopback). */
    static InetSocketAddress parseAddress(String text) throws UnknownHostException {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + text + "'");
        }
        InetAddress ip = host.isEmpty() ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
        return new InetSocketAddress(ip, port);
    }
}
