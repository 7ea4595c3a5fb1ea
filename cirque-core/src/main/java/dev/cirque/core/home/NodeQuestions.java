package dev.cirque.core.home;

import dev.cirque.core.engine.ExecResult;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Commands the daemon itself needs the answers of (a capability's queries, such as the
 * Thread topology's ot-ctl): not a client's commands, so not told to the home's watchers,
 * whose streams would otherwise fill with the daemon's own polling.
 */
public final class NodeQuestions {

    private final HomeService homes;
    private final ClientCommands clients;

    NodeQuestions(HomeService homes, ClientCommands clients) {
        this.homes = homes;
        this.clients = clients;
    }

    /** Runs an argument vector in a running node; FAILED_PRECONDITION, saying why, for one that is not. */
    public ExecResult query(String homeId, String nodeId, List<String> argv, Duration timeout) {
        return clients.query(homes.running(homeId, nodeId), argv, timeout);
    }

    /**
     * Runs the daemon's own {@code questions} to a node's tool that serves one session at a
     * time and drops the one it serves when another comes (ot-ctl), in the node's turn (see
     * {@link CommandTurns}): it waits up to {@code patience} for the clients' commands running
     * in the node to end, so as not to cut theirs short, and is UNAVAILABLE, saying so, if they
     * still run then; a client's command that comes meanwhile starts after the questions.
     * The questions are {@link #query} calls; keep them few and short.
     */
    public <T> T inTurn(String homeId, String nodeId, Duration patience, Supplier<T> questions) {
        return clients.inTurn(homes.running(homeId, nodeId), patience, questions);
    }
}
