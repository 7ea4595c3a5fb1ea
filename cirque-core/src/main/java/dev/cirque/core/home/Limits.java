package dev.cirque.core.home;

import dev.cirque.core.engine.ContainerEngine;

/**
 * Caps that keep one client from exhausting the host: homes at once, nodes per home, the
 * length of a command line (past them: RESOURCE_EXHAUSTED), and how much of a command's
 * output or a node's log is kept (past it: cut, and said so in the output).
 */
public record Limits(int maxHomes, int maxNodesPerHome, int maxCommandBytes, long maxOutputBytes) {

    public Limits(int maxHomes, int maxNodesPerHome, int maxCommandBytes) {
        this(maxHomes, maxNodesPerHome, maxCommandBytes, ContainerEngine.DEFAULT_OUTPUT_LIMIT);
    }

    public static Limits defaults() {
        return new Limits(64, 256, 64 * 1024);
    }
}
