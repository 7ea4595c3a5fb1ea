package dev.cirque.server;

import dev.cirque.server.http.HttpLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    HostOptions host = new HostOptions();

    @Option(names = "--max-request-bytes", paramLabel = "N", defaultValue = "4194304",
            description = "Size of a gRPC message or HTTP body (default ${DEFAULT-VALUE}); past it"
                    + " RESOURCE_EXHAUSTED or 413.")
    int maxRequestBytes;

    @Option(names = "--http-workers", paramLabel = "N", defaultValue = "32",
            description = "HTTP calls run at once (default ${DEFAULT-VALUE}); 4×N more wait, past that 503.")
    int httpWorkers;

    @Option(names = "--http-read-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long an HTTP client may take to send a whole request, or sit idle between"
                    + " requests, before its connection is closed (default ${DEFAULT-VALUE}).")
    int httpReadTimeoutSeconds;

    @Option(names = "--http-max-connections", paramLabel = "N", defaultValue = "512",
            description = "HTTP connections open at once (default ${DEFAULT-VALUE}); past it new ones are closed.")
    int httpMaxConnections;

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

    @Option(names = "--http-allow-origin", paramLabel = "ORIGIN", defaultValue = "${env:CIRQUE_HTTP_ALLOW_ORIGINS}",
            split = ",", description = "A web origin (e.g. http://localhost:8080) whose pages may call the HTTP API"
                    + " (repeatable, or ','-separated; env CIRQUE_HTTP_ALLOW_ORIGINS). Without any, requests from"
                    + " web pages are refused.")
    List<String> allowedOrigins;

    @Option(names = "--insecure",
            description = "Allow listening on a non-loopback address without a token or client certificates."
                    + " Anyone who reaches the port can run commands as root in the nodes.")
    boolean insecure;

    private Security security = Security.none();

    public static void main(String[] args) {
        // Commands run through a helper process (the fast exec): spawned by vfork, the JVM's
        // default (posix_spawn through jspawnhelper) costs an extra exec, about 0.5 ms of a 3 ms
        // command. VFORK is there on Linux up to JDK 20; a launcher the user set is kept.
        if (System.getProperty("jdk.lang.Process.launchMechanism") == null && Runtime.version().feature() < 21) {
            System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
        }
        System.exit(new CommandLine(new CirqueDaemon()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        checkRanges();
        security = security();
        InetSocketAddress address = listenAddress("--grpc-address", grpcAddress);
        InetSocketAddress http = noHttp ? null : listenAddress("--http-address", httpAddress);
        // Start-up is mostly class loading: load gRPC's on a second core while this one
        // connects to Docker.
        Thread warmUp = new Thread(DaemonServer::loadClasses, "cirque-warm-up");
        warmUp.start();
        Composition core = Composition.start(host);
        log.info("cirque-daemon {} started", CirqueVersion.version());
        warmUp.join();
        DaemonServer server;
        try {
            server = new DaemonServer(core.homes(), address, http, security, new HttpLimits(maxRequestBytes,
                    httpWorkers, Duration.ofSeconds(httpReadTimeoutSeconds), httpMaxConnections)).start();
        } catch (IOException e) {
            core.close();
            log.error("cannot listen on {}{}: {} (is another daemon running? choose other ports with"
                    + " --grpc-address / --http-address)", grpcAddress, http == null ? "" : " and " + httpAddress,
                    rootMessage(e));
            return 1;
        }
        // Any other way out (System.exit, the last thread ending) still tears down.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            core.close();
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
            core.close();
            System.exit(0);
        });
        server.awaitTermination(); // until a signal runs the hook above
        return 0;
    }

    /**
     * What a start with {@code args} would refuse, checked without starting anything: the
     * usage error's message, or null when the daemon would start (options, ranges,
     * security files, listen addresses).
     */
    static String usageError(String... args) throws IOException {
        CirqueDaemon d = new CirqueDaemon();
        try {
            new CommandLine(d).parseArgs(args);
            d.checkRanges();
            d.security = d.security();
            d.listenAddress("--grpc-address", d.grpcAddress);
            if (!d.noHttp) {
                d.listenAddress("--http-address", d.httpAddress);
            }
            return null;
        } catch (CommandLine.ParameterException e) {
            return e.getMessage();
        }
    }

    /** Limits and times that make no sense are refused at start, before anything runs. */
    private void checkRanges() {
        range("--max-homes", host.maxHomes, 1, 100_000);
        range("--max-nodes-per-home", host.maxNodesPerHome, 1, 100_000);
        range("--warm-homes", host.warmHomes, 0, 64);
        range("--max-command-bytes", host.maxCommandBytes, 1, 16 << 20);
        range("--max-request-bytes", maxRequestBytes, 1024, 1 << 30);
        range("--max-output-bytes", host.maxOutputBytes, 1024, 1L << 30);
        range("--docker-timeout", host.dockerTimeoutSeconds, 1, 3600);
        range("--http-workers", httpWorkers, 1, 4096);
        range("--http-read-timeout", httpReadTimeoutSeconds, 1, 3600);
        range("--http-max-connections", httpMaxConnections, 1, 1_000_000);
        range("--shutdown-timeout", shutdownTimeoutSeconds, 0, 86_400);
        try {
            host.check();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
    }

    private void range(String flag, long value, long min, long max) {
        if (value < min || value > max) {
            throw new CommandLine.ParameterException(new CommandLine(this), flag + " must be " + min + ".." + max
                    + ", got " + value);
        }
    }

    private Security security() throws IOException {
        String token = System.getenv("CIRQUE_TOKEN");
        if (tokenFile != null) {
            try {
                token = Files.readString(tokenFile).strip();
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--token-file " + tokenFile
                        + " cannot be read: " + e);
            }
            if (token.isEmpty()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--token-file " + tokenFile + " is empty");
            }
        }
        try {
            Security s = new Security(token, tlsCert, tlsKey, tlsClientCa,
                    allowedOrigins == null ? List.of() : allowedOrigins);
            log.info("callers: {}; transport: {}", token == null && tlsClientCa == null ? "anyone who can connect"
                    : (token != null ? "bearer token" : "") + (token != null && tlsClientCa != null ? " and " : "")
                    + (tlsClientCa != null ? "client certificate" : ""), s.tls() ? "TLS" : "plaintext");
            return s;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
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
        } catch (UnknownHostException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), flag + ": no such host in '" + text + "'");
        }
        if (!address.getAddress().isLoopbackAddress() && !security.authenticates()) {
            if (!insecure) {
                throw new CommandLine.ParameterException(new CommandLine(this), flag + " " + text
                        + " is not a loopback address: the API runs commands as root in the nodes, so"
                        + " listening beyond this machine needs a token (--token-file), client certificates"
                        + " (--tls-client-ca), or --insecure");
            }
            log.warn("{} {}: listening beyond loopback without authentication (--insecure)", flag, text);
        } else if (!address.getAddress().isLoopbackAddress() && !security.tls()) {
            log.warn("{} {}: WARNING: the bearer token crosses the network in clear text, where anyone on the path"
                    + " can read it and then run commands as root in the nodes; serve TLS (--tls-cert, --tls-key)",
                    flag, text);
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
