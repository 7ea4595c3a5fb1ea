package dev.cirque.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.home.HomeService;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.server.grpc.CirqueGrpcService;
import dev.cirque.server.grpc.MediumGrpcService;
import dev.cirque.server.grpc.RecordingGrpcService;
import dev.cirque.server.grpc.SerializedOnce;
import dev.cirque.server.http.HttpApi;
import dev.cirque.server.http.HttpLimits;
import dev.cirque.server.media.MediumFronts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's servers around one {@link HomeService}: gRPC (Cirque's service, the standard
 * health service, server reflection) and, unless turned off, Cirque's HTTP routes.
 * {@link #stop} is the orderly shutdown: refuse new calls, tear every home down, close.
 */
public final class DaemonServer {

    private static final Logger log = LoggerFactory.getLogger(DaemonServer.class);

    private final HomeService homes;
    private final HealthStatusManager health = new HealthStatusManager();
    private final Server server;
    private final HttpApi http;
    private volatile boolean stopped;
    /** The media's own calls, and what they watch in the homes while the daemon runs. */
    private final MediumFronts fronts;
    private volatile List<AutoCloseable> watchers = List.of();

    public DaemonServer(HomeService homes, InetSocketAddress address, InetSocketAddress httpAddress)
            throws IOException {
        this(homes, address, httpAddress, Security.none(), HttpLimits.defaults());
    }

    @SuppressWarnings("deprecation") // v1alpha reflection: what grpcurl and other older clients ask first
    public DaemonServer(HomeService homes, InetSocketAddress address, InetSocketAddress httpAddress,
            Security security, HttpLimits limits) throws IOException {
        this.homes = homes;
        this.fronts = MediumFronts.load(homes, new ObjectMapper());
        this.http = httpAddress == null ? null : new HttpApi(homes, httpAddress, security, limits, fronts);
        this.server = NettyServerBuilder.forAddress(address)
                .maxInboundMessageSize(limits.maxBodyBytes())
                .sslContext(security.grpcSslContext())
                .intercept(CirqueGrpcService.sessionHeader())
                .intercept(security.grpcInterceptor())
                .callExecutor(DaemonServer::executorFor)
                // A home's device list is kept until its node set changes (Home.view): written from
                // bytes serialised once, not serialised again for every caller.
                .addService(SerializedOnce.answers(CirqueGrpcService.bind(homes, fronts),
                        Set.of(CirqueServiceGrpc.getListCirqueHomeDevicesMethod().getFullMethodName())))
                .addService(new MediumGrpcService(homes.media()))
                .addService(new RecordingGrpcService(homes.recordings()))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(io.grpc.protobuf.services.ProtoReflectionService.newInstance())
                .build();
    }

    /** Loads the server's classes ahead of use (start-up runs it beside the Docker connection). */
    @SuppressWarnings("deprecation")
    static void loadClasses() {
        NettyServerBuilder.forPort(0).addService(ProtoReflectionServiceV1.newInstance())
                .addService(io.grpc.protobuf.services.ProtoReflectionService.newInstance())
                .addService(new HealthStatusManager().getHealthService());
        CirqueServiceGrpc.getServiceDescriptor();
    }

    /** Answered from memory, never blocking: run on the transport thread, sparing a handoff. */
    private static final Set<String> IN_MEMORY = Set.of(
            CirqueServiceGrpc.getListCirqueHomesMethod().getFullMethodName(),
            CirqueServiceGrpc.getListCirqueHomeDevicesMethod().getFullMethodName(),
            CirqueServiceGrpc.getQueryCirqueDeviceMethod().getFullMethodName(),
            "grpc.health.v1.Health/Check");

    private static Executor executorFor(ServerCall<?, ?> call, Metadata headers) {
        // null: the default pool, for everything that may wait on Docker or the host.
        return IN_MEMORY.contains(call.getMethodDescriptor().getFullMethodName()) ? Runnable::run : null;
    }

    public DaemonServer start() throws IOException {
        server.start();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(CirqueServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        log.info("gRPC listening on {}", server.getListenSockets());
        if (http != null) {
            http.start();
        }
        watchers = fronts.watchHomes();
        return this;
    }

    /** The port actually bound (useful when asked for port 0). */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /** The HTTP port actually bound; -1 when HTTP is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public HomeService homes() {
        return homes;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        long started = System.nanoTime();
        log.info("shutting down: tearing every home down");
        health.enterTerminalState();
        server.shutdown();
        if (http != null) {
            http.stop();
        }
        MediumFronts.close(watchers);
        int count = homes.homes().size();
        homes.close();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        log.info("stopped: {} home(s) torn down in {} ms", count, (System.nanoTime() - started) / 1_000_000);
    }
}
