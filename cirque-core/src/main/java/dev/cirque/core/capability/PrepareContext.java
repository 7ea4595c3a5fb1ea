package dev.cirque.core.capability;

import dev.cirque.core.engine.NodeHost;

/** What a capability sees of its node before the container exists. */
public interface PrepareContext {

    String homeId();

    String nodeId();

    /** The machine the node runs on, for what a capability does outside the container. */
    NodeHost host();

    /**
     * Registers how to undo something just done on the host. Steps run in reverse order of
     * registration when the node stops or its creation is rolled back; steps registered
     * while preparing run after the container is gone.
     */
    void onTeardown(String description, TeardownStep step);

    /** One undo step. */
    @FunctionalInterface
    interface TeardownStep {
        void run() throws Exception;
    }
}
