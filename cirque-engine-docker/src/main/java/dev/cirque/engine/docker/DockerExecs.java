package dev.cirque.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.engine.ContainerEngine.OutputSink;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands run in containers through Docker's exec API: output streamed as it comes, the
 * exit code read back, and a command past its deadline killed by its host pid (Docker has
 * no call to end an exec).
 */
final class DockerExecs {

    private static final Logger log = LoggerFactory.getLogger(DockerExecs.class);

    /** Looks, for every running command (of either exec path), whether its caller is still there and its deadline. */
    static final ScheduledExecutorService WATCHER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cirque-exec-watcher");
        t.setDaemon(true);
        return t;
    });
    static final long CALLER_CHECK_MS = 200;

    private final DockerClient client;
    private final DockerClient streams;
    private final String host;

    DockerExecs(DockerClient client, DockerClient streams, String host) {
        this.client = client;
        this.streams = streams;
        this.host = host;
    }

    int run(String containerId, List<String> argv, Duration timeout, OutputSink sink) {
        String execId = call("create exec in " + shortId(containerId), () -> client.execCreateCmd(containerId)
                .withCmd(argv.toArray(String[]::new))
                .withAttachStdout(true)
                .withAttachStderr(true)
                .exec()
                .getId());
        ResultCallback.Adapter<Frame> out = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame frame) {
                sink.accept(frame.getStreamType() == StreamType.STDERR
                        ? OutputSink.Stream.STDERR : OutputSink.Stream.STDOUT, frame.getPayload());
            }
        };
        // Whether the caller is still there is looked at every 200 ms: one that went away has the
        // command killed, which ends the wait.
        // Only streaming callers can go away: the plain exec, the hot path, schedules nothing.
        ScheduledFuture<?> watch = !sink.watched() ? null : WATCHER.scheduleWithFixedDelay(() -> {
            if (sink.abandoned()) {
                killExec(execId);
                throw new IllegalStateException("killed"); // once is enough: this ends the schedule
            }
        }, CALLER_CHECK_MS, CALLER_CHECK_MS, TimeUnit.MILLISECONDS);
        boolean finished;
        try {
            finished = call("run exec in " + shortId(containerId), () -> {
                try {
                    streams.execStartCmd(execId).exec(out);
                    if (timeout == null) {
                        out.awaitCompletion();
                        return true;
                    }
                    return out.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    // Kill first, interrupt flag clear: an interrupted thread's Docker calls are aborted.
                    killExec(execId);
                    closeQuietly(out);
                    Thread.currentThread().interrupt();
                    throw new CirqueException(Kind.DEADLINE_EXCEEDED, "interrupted while running " + argv
                            + "; it was killed");
                }
            });
        } finally {
            if (watch != null) {
                watch.cancel(false);
            }
        }
        if (sink.abandoned()) { // the stream may have ended with its reader, the command not
            killExec(execId);
            closeQuietly(out);
            throw new CirqueException(Kind.DEADLINE_EXCEEDED, "the caller of " + argv + " went away; the command"
                    + " was killed");
        }
        if (!finished) {
            killExec(execId);
            closeQuietly(out);
            throw new CirqueException(Kind.DEADLINE_EXCEEDED,
                    "command " + argv + " still running after " + timeout.toMillis() + " ms; it was killed");
        }
        return exitCode(execId);
    }

    /** Waits for the exec's exit code; Docker may report the stream's end a moment before it. */
    private int exitCode(String execId) {
        for (int attempt = 0; ; attempt++) {
            InspectExecResponse r = call("inspect exec", () -> client.inspectExecCmd(execId).exec());
            if (r.getExitCodeLong() != null && !Boolean.TRUE.equals(r.isRunning())) {
                return r.getExitCodeLong().intValue();
            }
            if (attempt >= 200) {
                throw new CirqueException(Kind.INTERNAL, "Docker gave no exit code for exec " + execId);
            }
            sleepQuietly(5);
        }
    }

    /** Kills a timed-out command: Docker has no API for it, so signal its host pid. */
    private void killExec(String execId) {
        try {
            InspectExecResponse r = client.inspectExecCmd(execId).exec();
            Long pid = r.getPidLong();
            if (pid != null && pid > 0) {
                // The whole tree (sh -c 'a | b' has children), taken as handles at once: a handle
                // knows its process's start, so a pid reused meanwhile is never signalled.
                Optional<ProcessHandle> top = ProcessHandle.of(pid);
                List<ProcessHandle> tree = new ArrayList<>();
                top.ifPresent(t -> {
                    tree.add(t);
                    t.descendants().forEach(tree::add);
                });
                tree.forEach(ProcessHandle::destroyForcibly);
                log.info("exec {} timed out; host pid {} {}", shortId(execId), pid, top.isPresent()
                        ? "killed with " + (tree.size() - 1) + " descendant(s)"
                        : "not visible from this daemon (different pid namespace?)");
            }
        } catch (RuntimeException e) {
            log.warn("exec {} timed out and could not be killed: {}", shortId(execId), e.toString());
        }
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            log.debug("closing a stream: {}", e.toString());
        }
    }

    private <T> T call(String what, Supplier<T> action) {
        return DockerErrors.call(host, what, action);
    }

    private static String shortId(String id) {
        return DockerEngine.shortId(id);
    }
}
