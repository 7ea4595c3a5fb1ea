package dev.cirque.core.capability;

import dev.cirque.core.engine.ExecResult;
import java.time.Duration;
import java.util.List;

/** What a capability may see and do of its node once the container runs. */
public interface NodeContext {

    String homeId();

    String nodeId();

    String containerId();

    String containerName();

    /** The node's IPv4 address on its network. */
    String ipv4();

    /** Runs a command in the node (no shell), merging stdout and stderr. */
    ExecResult exec(List<String> argv, Duration timeout);

    /**
     * Registers how to undo something just done on the host or in the node. Steps run in
     * reverse order of registration when the node stops or its creation is rolled back.
     */
    void onTeardown(String description, TeardownStep step);

    /** One undo step. */
    @FunctionalInterface
    interface TeardownStep {
        void run() throws Exception;
    }
}
