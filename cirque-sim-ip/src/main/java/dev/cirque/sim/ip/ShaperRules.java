package dev.cirque.sim.ip;

import dev.cirque.core.CirqueException;
import dev.cirque.core.host.HostCommand;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host's rules that send a node's packets to the shaper: one per node and IP version,
 * in the {@code raw} table's PREROUTING (before conntrack, where held packets cause no
 * conntrack clashes), matching the node's bridge port. {@code --queue-bypass} lets
 * packets through unshaped when no shaper listens (a dead daemon never black-holes a
 * home). Each carries the comment {@code cirque:<home>:<node>:ip}, which the start-up
 * sweep reads. Changes go through {@code iptables-restore --noflush}: one process per IP
 * version for any number of rules, so a change to a whole home applies at once.
 */
final class ShaperRules {

    /** A node's port and whose it is. */
    record Port(String homeId, String nodeId, String hostInterface) {}

    private final int queue;

    ShaperRules(int queue) {
        this.queue = queue;
    }

    void add(List<Port> ports) {
        apply("-A", ports);
    }

    /** Deletes the ports' rules; one already gone does not keep the others (a batch fails whole). */
    void delete(List<Port> ports) {
        try {
            apply("-D", ports);
        } catch (CirqueException e) {
            if (ports.size() > 1) {
                for (Port p : ports) {
                    try {
                        apply("-D", List.of(p));
                    } catch (CirqueException gone) {
                        // that one was not there
                    }
                }
            }
        }
    }

    private void apply(String op, List<Port> ports) {
        if (ports.isEmpty()) {
            return;
        }
        StringBuilder rules = new StringBuilder("*raw\n");
        for (Port p : ports) {
            rules.append(op).append(" PREROUTING -m physdev --physdev-in ").append(p.hostInterface())
                    .append(" -m comment --comment cirque:").append(p.homeId()).append(':').append(p.nodeId())
                    .append(":ip -j NFQUEUE --queue-num ").append(queue).append(" --queue-bypass\n");
        }
        rules.append("COMMIT\n");
        for (String tool : List.of("iptables-restore", "ip6tables-restore")) {
            restore(tool, rules.toString());
        }
    }

    private static void restore(String tool, String rules) {
        List<String> argv = new ArrayList<>(List.of(tool, "-w", "5", "--noflush"));
        String path = HostCommand.findOnPath(tool).map(Object::toString).orElseThrow(() ->
                CirqueException.precondition("the IP shaper needs " + tool + " on the host (apt-get install iptables)"));
        argv.set(0, path);
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(rules.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw CirqueException.precondition(tool + " did not finish in 20 s");
            }
            if (p.exitValue() != 0) {
                throw CirqueException.precondition(tool + " refused the shaper's rules: " + out);
            }
        } catch (IOException e) {
            throw CirqueException.precondition("cannot run " + tool + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CirqueException.precondition("interrupted while running " + tool);
        }
    }
}
