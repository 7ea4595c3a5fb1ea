package dev.cirque.core.capability;

import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.link.LinkConditions;
import java.time.Duration;
import java.util.List;

/** What a capability may see and do of its node once the container runs. */
public interface NodeContext extends PrepareContext {

    String containerId();

    String containerName();

    /** The host pid of the node's first process: its network namespace is {@code /proc/<pid>/ns/net}. */
    long pid();

    /** The node's IPv4 address on its network. */
    String ipv4();

    /**
     * Sets what the node's sends meet on {@code medium} ({@code ip}) by default, as Cirque's
     * TrafficControl does; FAILED_PRECONDITION when this daemon cannot shape that medium.
     * The conditions go with the node.
     */
    void setEgress(String medium, LinkConditions conditions);

    /** Runs a command in the node (no shell), merging stdout and stderr. */
    ExecResult exec(List<String> argv, Duration timeout);
}
