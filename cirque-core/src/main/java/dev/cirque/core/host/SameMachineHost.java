package dev.cirque.core.host;

import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.engine.NodeHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * {@link NodeHost} for an engine whose containers run on the daemon's own machine (Docker
 * on its local socket): host paths bind-mount as they are, and iptables on this host sees
 * the nodes' bridges.
 */
public final class SameMachineHost implements NodeHost {

    private static final Duration FIREWALL_TIMEOUT = Duration.ofSeconds(20);

    private final ToLongFunction<String> pidOfContainer;

    /** @param pidOfContainer the engine's answer to "which host pid is this container's first process" */
    public SameMachineHost(ToLongFunction<String> pidOfContainer) {
        this.pidOfContainer = pidOfContainer;
    }

    @Override
    public long namespacePid(String containerId) {
        return pidOfContainer.applyAsLong(containerId);
    }

    @Override
    public void shareHostFile(ContainerPlan plan, Path hostPath, String containerPath) {
        // A device mapping alone gives the node an unusable PTY; a bind mount of the path works.
        plan.bind(hostPath.toString(), containerPath, false);
    }

    @Override
    public ExecResult firewall(List<String> args) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "5"));
        argv.addAll(args);
        return HostCommand.run(argv, FIREWALL_TIMEOUT);
    }
}
