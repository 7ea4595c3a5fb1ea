package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.util.ShellWords;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Commands and logs of running nodes: command lines split as a shell would, and their length capped. */
final class NodeCommands {

    private static final Logger log = LoggerFactory.getLogger(NodeCommands.class);

    private final ContainerEngine engine;
    private final int maxCommandBytes;
    private final long maxOutputBytes;

    NodeCommands(ContainerEngine engine, int maxCommandBytes, long maxOutputBytes) {
        this.engine = engine;
        this.maxCommandBytes = maxCommandBytes;
        this.maxOutputBytes = maxOutputBytes;
    }

    /** Runs a command line in a node, split like a shell would split it (not through one). */
    ExecResult exec(Node node, String command, Duration timeout) {
        return run(node, argv(command), timeout);
    }

    /** Runs an argument vector as given (the in-process CLI's form). */
    ExecResult exec(Node node, List<String> argv, Duration timeout) {
        if (argv.stream().mapToInt(String::length).sum() > maxCommandBytes) {
            throw new CirqueException(Kind.RESOURCE_EXHAUSTED, "command over the limit of "
                    + maxCommandBytes + " characters (--max-command-bytes)");
        }
        return run(node, argv, timeout);
    }

    /** Runs a command line, passing its output on as it comes; returns the exit code. */
    int execStreaming(Node node, String command, Duration timeout, ContainerEngine.OutputSink sink) {
        return engine.exec(node.containerId(), argv(command), timeout, sink);
    }

    String logs(Node node, int tail) {
        return engine.logs(node.containerId(), Math.max(0, tail), maxOutputBytes);
    }

    private ExecResult run(Node node, List<String> argv, Duration timeout) {
        long started = System.nanoTime();
        ExecResult result = engine.exec(node.containerId(), argv, timeout, maxOutputBytes);
        if (log.isDebugEnabled()) {
            log.debug("exec in {}: {} -> {} [{} us]", node.name(), argv, result.exitCode(),
                    (System.nanoTime() - started) / 1000);
        }
        return result;
    }

    private List<String> argv(String command) {
        if (command != null && command.length() > maxCommandBytes) {
            throw new CirqueException(Kind.RESOURCE_EXHAUSTED, "command of " + command.length()
                    + " characters is over the limit of " + maxCommandBytes + " (--max-command-bytes)");
        }
        List<String> argv = ShellWords.split(command == null ? "" : command);
        if (argv.isEmpty()) {
            throw CirqueException.invalid("command is empty");
        }
        return argv;
    }
}
