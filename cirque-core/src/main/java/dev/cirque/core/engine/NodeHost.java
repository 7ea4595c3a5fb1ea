package dev.cirque.core.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * What capabilities do to a node from outside its container, on the machine it runs on:
 * the host assumptions of Thread radios (a PTY shared into the node), Xvnc (an X socket
 * shared into the node), WiFi (a radio moved into the node's network namespace) and
 * LanAccess (firewall rules where the node's packets pass). Named here, behind one
 * interface, so that an engine whose nodes run elsewhere knows exactly what it must
 * provide (see ENGINES.md). Every method throws {@link dev.cirque.core.CirqueException}.
 */
public interface NodeHost {

    /**
     * The pid, in this daemon's pid namespace, of the node's first process: its namespaces
     * are {@code /proc/<pid>/ns/*}, where radios are moved and {@code nsenter} enters.
     */
    long namespacePid(String containerId);

    /** Makes a file of this host (a PTY, an X socket) appear in the node at {@code containerPath}. */
    void shareHostFile(ContainerPlan plan, Path hostPath, String containerPath);

    /** Runs {@code iptables} with {@code args} where the node's traffic passes. */
    ExecResult firewall(List<String> args);
}
