package dev.cirque.core.home;

import dev.cirque.core.host.Owner;
import java.util.HashMap;
import java.util.Map;

/** The labels on every engine object the daemon creates, so that all of it can be found again. */
public final class Labels {

    public static final String MANAGED = "cirque.managed";
    public static final String HOME = "cirque.home";
    public static final String NODE = "cirque.node";
    /** The daemon process that made it ({@link dev.cirque.core.host.Owner#label()}). */
    public static final String OWNER = "cirque.owner";

    private Labels() {}

    /** Selects everything any cirque daemon made. */
    public static Map<String, String> managed() {
        return Map.of(MANAGED, "true");
    }

    public static Map<String, String> home(String homeId) {
        return Map.of(MANAGED, "true", HOME, homeId);
    }

    public static Map<String, String> node(String homeId, String nodeId) {
        return Map.of(MANAGED, "true", HOME, homeId, NODE, nodeId);
    }

    /** {@code labels} plus this daemon as their owner: what objects are created with. */
    public static Map<String, String> owned(Map<String, String> labels) {
        Map<String, String> out = new HashMap<>(labels);
        out.put(OWNER, Owner.current().label());
        return Map.copyOf(out);
    }
}
