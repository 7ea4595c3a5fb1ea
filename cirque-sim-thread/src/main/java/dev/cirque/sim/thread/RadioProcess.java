package dev.cirque.sim.thread;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OpenThread simulator process behind a PTY: {@code binary NODE_ID}, with
 * {@code PORT_OFFSET} in its environment and a working directory of its own (it keeps its
 * flash files there). Two pump threads carry bytes between the PTY master and the
 * process's stdin/stdout (a Java child gets only its own pipes; the pumps keep
 * {@link Process} for its life cycle). Its stderr goes to the daemon's log, prefixed.
 * {@link #close} ends it: SIGTERM, SIGKILL after a grace period, then the PTY closes and
 * the working directory goes.
 */
public final class RadioProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RadioProcess.class);
    private static final Duration GRACE = Duration.ofSeconds(3);

    /** How to start a radio. {@code logPrefix} names it in the daemon's log, e.g. "home h node n". */
    public record Spec(Path binary, int nodeId, int portOffset, Path workRoot, String logPrefix) {}

    private final Spec spec;
    private final Pty pty;
    private final Path workDir;
    private final Process process;
    private final List<Thread> pumps;
    private volatile boolean stopping;

    private RadioProcess(Spec spec, Pty pty, Path workDir, Process process) {
        this.spec = spec;
        this.pty = pty;
        this.workDir = workDir;
        this.process = process;
        this.pumps = List.of(
                thread("to-radio", this::ptyToRadio),
                thread("from-radio", this::radioToPty),
                thread("radio-log", this::logStderr));
        process.onExit().thenAccept(p -> {
            if (!stopping) {
                log.warn("[{}] radio {} (pid {}) exited with {}", spec.logPrefix(), spec.binary().getFileName(),
                        p.pid(), p.exitValue());
            }
        });
    }

    /** Opens the PTY, makes the working directory and starts the simulator; undoes all on failure. */
    public static RadioProcess start(Spec spec) throws IOException {
        Pty pty = Pty.open();
        Path workDir = null;
        try {
            Files.createDirectories(spec.workRoot());
            workDir = Files.createTempDirectory(spec.workRoot(), "radio-" + spec.portOffset() + "-" + spec.nodeId() + "-");
            ProcessBuilder pb = new ProcessBuilder(spec.binary().toString(), Integer.toString(spec.nodeId()))
                    .directory(workDir.toFile());
            pb.environment().put("PORT_OFFSET", Integer.toString(spec.portOffset()));
            RadioProcess radio = new RadioProcess(spec, pty, workDir, pb.start());
            radio.pumps.forEach(Thread::start);
            log.info("[{}] radio {} node {} port offset {} started (pid {}, {})", spec.logPrefix(),
                    spec.binary().getFileName(), spec.nodeId(), spec.portOffset(), radio.pid(), pty.slavePath());
            return radio;
        } catch (IOException | RuntimeException e) {
            pty.close();
            if (workDir != null) {
                deleteTree(workDir);
            }
            throw e;
        }
    }

    /** The PTY's slave path: the node's serial port. */
    public String ptyPath() {
        return pty.slavePath();
    }

    public long pid() {
        return process.pid();
    }

    public Path workDir() {
        return workDir;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** {@code running}, or {@code exited with N}. */
    public String state() {
        return process.isAlive() ? "running" : "exited with " + process.exitValue();
    }

    @Override
    public void close() {
        stopping = true;
        process.destroy(); // SIGTERM: the simulator exits 0
        try {
            if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("[{}] radio pid {} ignored SIGTERM for {}; killing it", spec.logPrefix(), pid(), GRACE);
                process.destroyForcibly();
                process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        pty.close();
        for (Thread t : pumps) {
            try {
                t.join(GRACE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(workDir);
        log.info("[{}] radio node {} stopped; {} closed", spec.logPrefix(), spec.nodeId(), pty.slavePath());
    }

    // --- pumps ---------------------------------------------------------------------------

    private void ptyToRadio() {
        byte[] buf = new byte[4096];
        try (OutputStream toRadio = process.getOutputStream()) {
            while (process.isAlive()) {
                int n = pty.read(buf);
                if (n < 0) {
                    return;
                }
                if (n > 0) {
                    toRadio.write(buf, 0, n);
                    toRadio.flush();
                }
            }
        } catch (IOException e) {
            quietUnlessRunning("node -> radio", e);
        }
    }

    private void radioToPty() {
        byte[] buf = new byte[4096];
        try (InputStream fromRadio = process.getInputStream()) {
            for (int n = fromRadio.read(buf); n >= 0; n = fromRadio.read(buf)) {
                pty.write(buf, n);
            }
        } catch (IOException e) {
            quietUnlessRunning("radio -> node", e);
        }
    }

    private void logStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                log.info("[{} radio {}] {}", spec.logPrefix(), spec.nodeId(), line);
            }
        } catch (IOException e) {
            quietUnlessRunning("radio stderr", e);
        }
    }

    private void quietUnlessRunning(String what, IOException e) {
        if (!stopping && process.isAlive()) {
            log.warn("[{}] {} pump failed: {}", spec.logPrefix(), what, e.toString());
        }
    }

    private Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name + "-" + spec.portOffset() + "-" + spec.nodeId());
        t.setDaemon(true);
        return t;
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.warn("cannot remove {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }
}
