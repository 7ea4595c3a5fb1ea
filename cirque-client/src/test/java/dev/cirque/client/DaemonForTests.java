package dev.cirque.client;

import dev.cirque.server.CirqueDaemon;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real daemon for the client's tests, in a process of its own (started from this test class
 * path, on a free port, without HTTP), stopped with SIGTERM when the tests' JVM ends: its own
 * teardown then removes whatever a test left.
 */
final class DaemonForTests {

    private static DaemonForTests shared;

    final Process process;
    final String address;
    private final StringBuilder log = new StringBuilder();

    private DaemonForTests(String... options) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        address = "127.0.0.1:" + port;
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CirqueDaemon.class.getName(),
                "--grpc-address", address, "--no-http"));
        argv.addAll(List.of(options));
        process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = r.readLine(); ; line = r.readLine()) {
            if (line == null) {
                throw new IllegalStateException("the daemon ended at start:\n" + log);
            }
            log.append(line).append('\n');
            if (line.contains("gRPC listening")) {
                break;
            }
        }
        Thread drain = new Thread(() -> {
            try {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // ended
            }
        }, "daemon-log");
        drain.setDaemon(true);
        drain.start();
    }

    /** One daemon for all the tests of this JVM; {@code cirque.address} names it (for the extension). */
    static synchronized DaemonForTests shared() {
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            System.setProperty("cirque.address", shared.address);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
        }
        return shared;
    }

    /** A daemon of a test's own, with {@code options}; the test stops it. */
    static DaemonForTests start(String... options) throws IOException {
        return new DaemonForTests(options);
    }

    String log() {
        synchronized (log) {
            return log.toString();
        }
    }

    void stop() {
        process.destroy(); // SIGTERM: the daemon stops every home it still has
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
