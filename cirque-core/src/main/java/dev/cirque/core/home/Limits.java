package dev.cirque.core.home;

/**
 * Caps that keep one client from exhausting the host: homes at once, nodes per home, and
 * the length of a command line. Past them: RESOURCE_EXHAUSTED.
 */
public record Limits(int maxHomes, int maxNodesPerHome, int maxCommandBytes) {

    public static Limits defaults() {
        return new Limits(64, 256, 64 * 1024);
    }
}
