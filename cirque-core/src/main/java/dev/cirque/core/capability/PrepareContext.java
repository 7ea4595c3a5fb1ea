package dev.cirque.core.capability;

/** What a capability sees of its node before the container exists. */
public interface PrepareContext {

    String homeId();

    String nodeId();

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
