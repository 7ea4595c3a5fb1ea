package dev.cirque.bench;

import dev.cirque.proto.CirqueServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The daemon under test, started as the README starts it (scripts/cirque-daemon), on free ports. */
final class BenchDaemon implements AutoCloseable {
    final Process process;
    final int port;
    final ManagedChannel channel;
    final long startMillis;
    /** The HTTP routes' port; -1 when started without them. */
    final int httpPort;

    private BenchDaemon(Process process, int port, int httpPort, ManagedChannel channel, long startMillis) {
        this.process = process;
        this.port = port;
        this.httpPort = httpPort;
        this.channel = channel;
        this.startMillis = startMillis;
    }

    /** Starts it and waits until its health service says SERVING; with the HTTP routes when {@code http}. */
    static BenchDaemon start(List<String> command, boolean http, String... options) throws Exception {
        int port = freePort();
        int httpPort = http ? freePort() : -1;
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of(options));
        argv.addAll(List.of("--grpc-address", "127.0.0.1:" + port));
        argv.addAll(http ? List.of("--http-address", "127.0.0.1:" + httpPort) : List.of("--no-http"));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(ch);
        while (true) {
            try {
                if (health.withDeadlineAfter(1, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
                        .getStatus() == ServingStatus.SERVING) {
                    break;
                }
            } catch (RuntimeException e) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the daemon exited with " + p.exitValue() + " at start");
                }
            }
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
                throw new IllegalStateException("the daemon was not SERVING within 60 s");
            }
            Thread.sleep(5);
        }
        return new BenchDaemon(p, port, httpPort, ch, (System.nanoTime() - t0) / 1_000_000);
    }

    CirqueServiceGrpc.CirqueServiceBlockingStub stub() {
        return CirqueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES);
    }

    long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS for pid " + process.pid());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        process.toHandle().destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
