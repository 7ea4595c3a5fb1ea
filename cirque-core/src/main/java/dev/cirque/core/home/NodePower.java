package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ContainerEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nodes' power: powered off and on by clients, and exited when their container dies on its
 * own (Docker's death events). Each change runs under the node's power lock, so a client's
 * power-off, a power-on and an exit never interleave.
 */
final class NodePower {

    private static final Logger log = LoggerFactory.getLogger(NodePower.class);

    private final ContainerEngine engine;
    private final NodeAssembly assembly;
    private final HomeEvents events;
    private final HomeRegistry registry;
    /** Where an exit is undone: off the engine's event thread, since undoing may call the engine. */
    private final Executor undo;
    /** Deaths no node was there to claim yet (see {@link #containerDied}). */
    private final UnclaimedDeaths unclaimed = new UnclaimedDeaths();

    NodePower(ContainerEngine engine, NodeAssembly assembly, HomeEvents events, HomeRegistry registry, Executor undo) {
        this.engine = engine;
        this.assembly = assembly;
        this.events = events;
        this.registry = registry;
        this.undo = undo;
    }

    /** The grace a power-off takes: {@code seconds}, or the default when null; checked. */
    static Duration grace(Integer seconds) {
        int grace = seconds == null ? HomeService.POWER_OFF_GRACE_SECONDS : seconds;
        if (grace < 0 || grace > HomeService.MAX_POWER_OFF_GRACE_SECONDS) {
            throw CirqueException.invalid("grace_seconds must be 0.." + HomeService.MAX_POWER_OFF_GRACE_SECONDS
                    + ", got " + grace);
        }
        return Duration.ofSeconds(grace);
    }

    /** See {@link HomeService#powerOff}. */
    Node off(Home home, Node node, Duration grace) {
        return node.underPower(() -> {
            if (node.state() == Node.State.RUNNING) {
                // Off first: Docker's death event for this stop is then not taken for an exit.
                node.changed(Node.State.POWERED_OFF, 0, null);
                home.nodeChanged();
                assembly.powerOff(node, grace);
                log.info("{} powered off in home {}", node, home.id());
                events.publish(home.id(), HomeEvent.Kind.NODE_STOPPED, node.id(), Map.of("name", node.name()));
            } else {
                engine.stopContainer(node.containerId(), grace);
                if (node.state() == Node.State.EXITED) {
                    // Off is what the client asked for, and what the node says from now on.
                    node.changed(Node.State.POWERED_OFF, node.exitCode(), null);
                    home.nodeChanged();
                    log.info("{} (exited) powered off in home {}", node, home.id());
                    events.publish(home.id(), HomeEvent.Kind.NODE_STOPPED, node.id(), Map.of("name", node.name(),
                            "was", "exited"));
                }
            }
            return node;
        });
    }

    /** See {@link HomeService#powerOn}. */
    Node on(Home home, Node node) {
        return node.underPower(() -> {
            if (node.state() == Node.State.RUNNING) {
                return node;
            }
            node.runAsked();
            var addresses = assembly.powerOn(home, node);
            node.changed(Node.State.RUNNING, 0, addresses);
            home.nodeChanged();
            log.info("{} powered on in home {}: ipv4 {}", node, home.id(), node.ipv4());
            events.publish(home.id(), HomeEvent.Kind.NODE_STARTED, node.id(), Map.of("name", node.name(), "ipv4",
                    node.ipv4()));
            return node;
        });
    }

    /**
     * A container of this daemon died: if it was a running node's, the node has exited. A death
     * no node claims is kept for a node that takes its place in its home just after (its
     * container died before that), under the same lock as that node's claim, so that one of
     * the two always sees the other.
     */
    void containerDied(String containerId, int exitCode, Instant at) {
        synchronized (unclaimed) {
            for (Home home : registry.all()) {
                for (Node node : home.nodes()) {
                    if (node.containerId().equals(containerId)) {
                        undo.execute(() -> exited(home, node, exitCode, at));
                        return;
                    }
                }
            }
            unclaimed.note(containerId, exitCode, at);
        }
    }

    /** A node just placed in its home whose container died before that has exited. */
    void claimEarlyDeath(Home home, Node node) {
        unclaimed.claim(node.containerId()).ifPresent(d -> exited(home, node, d.exitCode(), d.at()));
    }

    private void exited(Home home, Node node, int exitCode, Instant at) {
        node.underPower(() -> {
            if (node.state() != Node.State.RUNNING || at.isBefore(node.runAskedAt())
                    || home.node(node.id()).isEmpty()) {
                return null; // powered off by a client, an older run's death, or removed meanwhile
            }
            node.changed(Node.State.EXITED, exitCode, null);
            home.nodeChanged();
            List<String> failures = node.running.get().run(node.toString());
            log.info("{} in home {} exited with code {}{}", node, home.id(), exitCode,
                    failures.isEmpty() ? "" : "; undoing its run failed: " + failures);
            events.publish(home.id(), HomeEvent.Kind.NODE_EXITED, node.id(), Map.of("name", node.name(),
                    "exit_code", Integer.toString(exitCode)));
            return null;
        });
    }
}
