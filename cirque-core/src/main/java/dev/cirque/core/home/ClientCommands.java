package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ExecResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Commands in running nodes: clients' commands, told to the home's watchers as they start
 * and end, and the daemon's own questions, told to no one and run in the node's turn so as
 * not to cut a client's session of a one-session tool short (see {@link CommandTurns}).
 */
final class ClientCommands {

    private final NodeCommands commands;
    private final HomeEvents events;

    ClientCommands(NodeCommands commands, HomeEvents events) {
        this.commands = commands;
        this.events = events;
    }

    ExecResult exec(Node node, String command, Duration timeout) {
        return watched(node, command, () -> commands.exec(node, command, timeout));
    }

    ExecResult exec(Node node, List<String> argv, Duration timeout) {
        return watched(node, String.join(" ", argv), () -> commands.exec(node, argv, timeout));
    }

    int execStreaming(Node node, String command, Duration timeout, ContainerEngine.OutputSink sink) {
        return watched(node, command, () -> new ExecResult(commands.execStreaming(node, command, timeout, sink), ""))
                .exitCode();
    }

    /** The daemon's own command: not told to watchers, whose streams would fill with its polling. */
    ExecResult query(Node node, List<String> argv, Duration timeout) {
        return commands.exec(node, argv, timeout);
    }

    /** See {@link HomeService#inTurn}. */
    <T> T inTurn(Node node, Duration patience, Supplier<T> questions) {
        Object[] answer = new Object[1];
        boolean asked;
        try {
            asked = node.daemonQuestions(patience, () -> answer[0] = questions.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CirqueException(Kind.UNAVAILABLE, "interrupted while waiting for device " + node.id());
        }
        if (!asked) {
            throw new CirqueException(Kind.UNAVAILABLE, "device " + node.id() + " runs a client's command: not"
                    + " asked meanwhile, not to cut the client's session of a one-session tool (ot-ctl)");
        }
        @SuppressWarnings("unchecked")
        T t = (T) answer[0];
        return t;
    }

    /** A client's command, told to the home's watchers as it starts and ends. */
    private ExecResult watched(Node node, String command, Supplier<ExecResult> run) {
        String homeId = node.homeId();
        events.publish(homeId, HomeEvent.Kind.EXEC_STARTED, node.id(), Map.of("command", command));
        return node.clientCommand(() -> {
            try {
                ExecResult r = run.get();
                events.publish(homeId, HomeEvent.Kind.EXEC_ENDED, node.id(), Map.of("exit_code",
                        Integer.toString(r.exitCode())));
                return r;
            } catch (RuntimeException e) {
                events.publish(homeId, HomeEvent.Kind.EXEC_ENDED, node.id(), Map.of("error",
                        String.valueOf(e.getMessage())));
                throw e;
            }
        });
    }
}
