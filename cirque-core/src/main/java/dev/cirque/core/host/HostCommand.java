package dev.cirque.core.host;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ExecResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A short command on the host (ip, iptables, ...), its output merged, with a time limit. */
public final class HostCommand {

    private HostCommand() {}

    /** The executable {@code name} in the daemon's PATH, as a shell would find it. */
    public static Optional<Path> findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    /** Runs {@code argv}; a missing program or a time-out is FAILED_PRECONDITION naming it. */
    public static ExecResult run(List<String> argv, Duration timeout) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw CirqueException.precondition(String.join(" ", argv) + " did not finish in " + timeout);
            }
            return new ExecResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CirqueException.precondition("cannot run '" + argv.get(0) + "' on the host: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CirqueException.precondition("interrupted while running " + argv);
        }
    }
}
