package dev.cirque.server;

import dev.cirque.proto.CirqueServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A daemon JVM started from the test's class path, as users start it, its output gathered line by line. */
final class DaemonProcess {

    final Process process;
    private final Thread pump;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private DaemonProcess(Process process) {
        this.process = process;
        this.pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(output closed: " + e + ")");
            }
        }, "daemon-output");
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * With scripts/cirque-daemon's collector (SerialGC) and the JIT's first tier only: a
     * test's daemon lives seconds to minutes, where C2's compile threads cost more than they
     * give (under the VM's software emulation, on one CPU, they held a start past 2 minutes).
     */
    static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    static DaemonProcess start(String... args) throws IOException {
        return startUnder(List.of(), args);
    }

    /** Started by {@code wrapper} (say {@code prlimit --nofile=400:400 --}), which must exec the JVM. */
    static DaemonProcess startUnder(List<String> wrapper, String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", classPath(), CirqueDaemon.class.getName()));
        command.addAll(List.of(args));
        return new DaemonProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /**
     * This JVM's class path: java.class.path, and what the loader of the tests adds (JUnit's
     * console launcher, as the VM harness runs it, loads the project's classes from its own
     * --class-path, which java.class.path does not show).
     */
    static String classPath() {
        StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
        if (DaemonProcess.class.getClassLoader() instanceof java.net.URLClassLoader loader) {
            for (java.net.URL url : loader.getURLs()) {
                try {
                    cp.append(java.io.File.pathSeparatorChar).append(Path.of(url.toURI()));
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalStateException(url + " is not a path", e);
                }
            }
        }
        return cp.toString();
    }

    /**
     * Waits for a line containing {@code text}; fails with everything seen so far, at once
     * when the process has ended without printing it.
     */
    void awaitLine(String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                if (line.contains(text)) {
                    return;
                }
            } else if (!process.isAlive() && !pump.isAlive() && lines.isEmpty()) {
                throw new AssertionError("the daemon ended (exit code " + process.exitValue() + ") without a line with '"
                        + text + "':\n" + String.join("\n", seen));
            }
        }
        throw new AssertionError("no line with '" + text + "' within " + seconds + " s:\n" + String.join("\n", seen));
    }

    /**
     * How long a daemon JVM may take to listen on this machine: a few times what this test
     * JVM took, measured in this run, from its own start to its first test daemon serving
     * (the same classes loaded cold, on the same CPUs, under the same load), and at least
     * {@code floorSeconds}.
     */
    static int startBoundSeconds(int floorSeconds) {
        return (int) Math.max(floorSeconds, 5 * TestDaemon.firstStartSeconds());
    }

    /** Everything printed so far; all of it once the process has ended (the pump reads to the end). */
    String output() throws InterruptedException {
        if (!process.isAlive()) {
            pump.join(TimeUnit.SECONDS.toMillis(10));
        }
        lines.drainTo(seen);
        return String.join("\n", seen);
    }

    /**
     * Daemons a test starts, each on its own gRPC port (HTTP off) with a channel to it; all
     * of them ended by {@link #close()}: SIGTERM, so each tears its homes down, then SIGKILL.
     */
    static final class Group implements AutoCloseable {
        private final List<DaemonProcess> daemons = new ArrayList<>();
        private final List<ManagedChannel> channels = new ArrayList<>();

        /** Starts one more and waits until it listens. */
        CirqueServiceGrpc.CirqueServiceBlockingStub start(String... args) throws Exception {
            int port = freePort();
            List<String> all = new ArrayList<>(List.of("--grpc-address", "127.0.0.1:" + port, "--no-http"));
            all.addAll(List.of(args));
            DaemonProcess d = DaemonProcess.start(all.toArray(String[]::new));
            daemons.add(d);
            d.awaitLine("gRPC listening", startBoundSeconds(60));
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            channels.add(channel);
            return CirqueServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
        }

        DaemonProcess get(int i) {
            return daemons.get(i);
        }

        @Override
        public void close() {
            channels.forEach(ManagedChannel::shutdownNow);
            for (DaemonProcess d : daemons) {
                d.process.toHandle().destroy();
                try {
                    if (!d.process.waitFor(60, TimeUnit.SECONDS)) {
                        d.process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    d.process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
