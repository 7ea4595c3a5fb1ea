package dev.cirque.engine.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.engine.ContainerEngine.OutputSink;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands run in a container by entering it from this host, as runc does for {@code docker
 * exec} but without Docker's round trips: the helper {@code cirque-nsexec} (built from
 * src/main/c) joins the container's namespaces and cgroups and takes its user, groups,
 * working directory, resource limits, capability set and confinement (seccomp filters,
 * no_new_privs, AppArmor profile: {@link Confinement}), all worked out here once per
 * container ({@link ExecTarget}). A few milliseconds instead of Docker's tens.
 *
 * <p>It holds only where the container's processes are this host's: a local engine, a
 * daemon running as root, the container's pid visible here in the same user namespace.
 * Where any of that fails, or the confinement cannot be copied (an SELinux label, a daemon
 * itself under seccomp), {@link #run} answers empty and the caller uses Docker's exec.
 */
final class FastExecs {

    private static final Logger log = LoggerFactory.getLogger(FastExecs.class);

    private final Path helper;
    private final Function<String, InspectContainerResponse> inspect;
    private final Map<String, ExecTarget> targets = new ConcurrentHashMap<>();
    /** Containers whose confinement could not be copied, said once each. */
    private final Set<String> toldWhy = ConcurrentHashMap.newKeySet();

    private FastExecs(Path helper, Function<String, InspectContainerResponse> inspect) {
        this.helper = helper;
        this.inspect = inspect;
    }

    /**
     * The fast path for an engine at {@code dockerHost}, or empty (with the reason logged) where
     * it cannot hold: an engine not on a local socket, a daemon not running as root, a build
     * without the helper.
     */
    static Optional<FastExecs> forEngine(String dockerHost, Function<String, InspectContainerResponse> inspect) {
        String why = null;
        Path helper = null;
        if (!dockerHost.startsWith("unix://")) {
            why = "the engine " + dockerHost + " is not on a local socket: its containers' processes may be elsewhere";
        } else if (!ProcFiles.runningAsRoot()) {
            why = "the daemon is not running as root (entering a container's namespaces needs it)";
        } else {
            try {
                helper = NsExecHelper.install();
                if (helper == null) {
                    why = "this build has no cirque-nsexec for " + System.getProperty("os.arch")
                            + " (it is compiled where a C compiler is present)";
                }
            } catch (IOException e) {
                why = "cirque-nsexec could not be installed: " + e.getMessage();
            }
        }
        if (why != null) {
            log.info("commands run through Docker's exec: {}", why);
            return Optional.empty();
        }
        log.info("commands run by entering the container from this host ({}); Docker's exec where that cannot hold",
                helper);
        return Optional.of(new FastExecs(helper, inspect));
    }

    /**
     * Runs {@code argv} in the container as {@link DockerExecs#run} does; empty when the fast path
     * cannot hold for this container, before anything ran (the caller then uses Docker's exec).
     */
    OptionalInt run(String containerId, List<String> argv, Duration timeout, OutputSink sink) {
        for (int attempt = 0; attempt < 2; attempt++) {
            ExecTarget target = targets.computeIfAbsent(containerId, this::resolve);
            if (target == ExecTarget.NONE) {
                targets.remove(containerId); // asked again next time: a stopped container may start
                return OptionalInt.empty();
            }
            OptionalInt code = runIn(target, argv, timeout, sink);
            if (code.isPresent()) {
                return code;
            }
            targets.remove(containerId, target); // restarted since (a new pid): resolve it again
        }
        return OptionalInt.empty();
    }

    /** Whether commands in this container take the fast path (as far as can be told before running one). */
    boolean canEnter(String containerId) {
        targets.remove(containerId);
        ExecTarget target = resolve(containerId);
        return target != ExecTarget.NONE;
    }

    /** Forgets a container (removed). */
    void forget(String containerId) {
        targets.remove(containerId);
        toldWhy.remove(containerId);
    }

    private ExecTarget resolve(String containerId) {
        try {
            return ExecTarget.of(containerId, inspect.apply(containerId), helper);
        } catch (Confinement.NotCopyable e) {
            if (toldWhy.add(containerId)) {
                log.info("fast exec in {} not possible: {}; using Docker's exec, which applies it",
                        DockerEngine.shortId(containerId), e.getMessage());
            }
            return ExecTarget.NONE;
        } catch (CirqueException e) {
            log.debug("fast exec: {}: {}", DockerEngine.shortId(containerId), e.getMessage());
            return ExecTarget.NONE;
        }
    }

    private OptionalInt runIn(ExecTarget target, List<String> argv, Duration timeout, OutputSink sink) {
        ProcessBuilder pb = new ProcessBuilder(target.helperArgs(helper, argv));
        pb.environment().clear(); // the command's environment travels in the arguments
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            log.warn("fast exec: cannot start {}: {}", helper, e.toString());
            return OptionalInt.empty();
        }
        DockerExecs.closeQuietly(p.getOutputStream()); // as Docker's exec without stdin: the command reads end of input
        InputStream stdout = p.getInputStream();
        AtomicReference<String> killedFor = new AtomicReference<>();
        ScheduledFuture<?> deadline = timeout == null ? null : DockerExecs.WATCHER.schedule(() -> {
            if (killedFor.compareAndSet(null, "timeout")) {
                killTree(p);
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        ScheduledFuture<?> watch = !sink.watched() ? null : DockerExecs.WATCHER.scheduleWithFixedDelay(() -> {
            if (sink.abandoned() && killedFor.compareAndSet(null, "abandoned")) {
                killTree(p);
            }
        }, DockerExecs.CALLER_CHECK_MS, DockerExecs.CALLER_CHECK_MS, TimeUnit.MILLISECONDS);
        try {
            int marker = stdout.read();
            if (marker != 1) { // the helper failed before starting anything
                String why = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                p.waitFor();
                if (killedFor.get() == null) {
                    log.info("fast exec in {} not possible ({}); using Docker's exec", target.shortId(), why);
                    return OptionalInt.empty();
                }
            } else {
                relay(new DataInputStream(new BufferedInputStream(stdout, 65536)), sink);
                byte[] helperSaid = p.getErrorStream().readAllBytes(); // e.g. a failed fork, after the marker
                if (helperSaid.length > 0) {
                    sink.accept(OutputSink.Stream.STDERR, helperSaid);
                }
            }
            int code = p.waitFor();
            if ("timeout".equals(killedFor.get())) {
                throw new CirqueException(Kind.DEADLINE_EXCEEDED,
                        "command " + argv + " still running after " + timeout.toMillis() + " ms; it was killed");
            }
            if ("abandoned".equals(killedFor.get()) || sink.abandoned()) {
                killTree(p);
                throw new CirqueException(Kind.DEADLINE_EXCEEDED, "the caller of " + argv + " went away; the command"
                        + " was killed");
            }
            return OptionalInt.of(code);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new CirqueException(Kind.DEADLINE_EXCEEDED, "interrupted while running " + argv + "; it was killed");
        } catch (IOException e) {
            killTree(p);
            throw new CirqueException(Kind.INTERNAL, "reading the output of " + argv + ": " + e);
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (watch != null) {
                watch.cancel(false);
            }
            DockerExecs.closeQuietly(stdout);
            DockerExecs.closeQuietly(p.getErrorStream());
        }
    }

    /** Hands the helper's frames (stream byte, big-endian length, bytes) to the sink until its end. */
    private static void relay(DataInputStream frames, OutputSink sink) throws IOException {
        while (true) {
            int stream = frames.read();
            if (stream < 0) {
                return;
            }
            byte[] chunk;
            try {
                chunk = new byte[frames.readInt()];
                frames.readFully(chunk);
            } catch (EOFException cut) {
                return; // the helper was killed mid-frame (deadline, caller gone)
            }
            sink.accept(stream == 2 ? OutputSink.Stream.STDERR : OutputSink.Stream.STDOUT, chunk);
        }
    }

    /**
     * Kills the command and everything it started, then the helper: taken as handles at once
     * (a handle knows its process's start, so a reused pid is never signalled). The helper goes
     * last so that it reaps its child; were it first, the child would die of its parent-death
     * signal and wait for the container's init to reap it.
     */
    private static void killTree(Process p) {
        List<ProcessHandle> tree = new ArrayList<>();
        p.toHandle().descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            if (!p.waitFor(1, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Where the helper is: extracted from this jar into a directory only root may write, the
     * first of /run/cirque/bin and /var/lib/cirque/bin where it can run (/run may be mounted
     * noexec, as in the test VM).
     */
    static final class NsExecHelper {
        private static final List<Path> DIRS = List.of(Path.of("/run/cirque/bin"), Path.of("/var/lib/cirque/bin"));

        /** The helper's path, or null when this build has none for this architecture. */
        static synchronized Path install() throws IOException {
            IOException last = null;
            for (Path dir : DIRS) {
                try {
                    Path helper = install(dir);
                    if (helper == null || runs(helper)) {
                        return helper;
                    }
                    last = new IOException(helper + " cannot be run there (a noexec mount?)");
                } catch (IOException e) {
                    last = e;
                }
            }
            throw last;
        }

        /** Whether the kernel lets it run: started without arguments, it says how to use it and ends. */
        private static boolean runs(Path helper) {
            try {
                Process p = new ProcessBuilder(helper.toString()).redirectErrorStream(true).start();
                p.getOutputStream().close();
                p.getInputStream().readAllBytes();
                p.waitFor(5, TimeUnit.SECONDS);
                return true;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private static Path install(Path dir) throws IOException {
            String resource = "native/" + System.getProperty("os.arch") + "/cirque-nsexec";
            byte[] bytes;
            try (InputStream in = FastExecs.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return null;
                }
                bytes = in.readAllBytes();
            }
            // Named by content: daemons of one version share it, a new version never runs an old one.
            Path target = dir.resolve("cirque-nsexec-" + ProcFiles.sha256(bytes).substring(0, 16));
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
                return target;
            }
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path tmp = Files.createTempFile(dir, "cirque-nsexec", ".tmp");
            Files.write(tmp, bytes);
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
    }
}
