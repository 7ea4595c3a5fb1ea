package dev.cirque.core.link;

import java.util.Map;

/**
 * Where a medium tells a home's watchers what it saw (a radio joined, a frame dropped by a
 * cut ...): each becomes a {@code MEDIUM_EVENT} whose detail holds the medium's name, the
 * {@code event} and the medium's own keys. Core hands every medium one before the first home.
 */
@FunctionalInterface
public interface MediumEvents {

    /** For a medium nobody listens to. */
    MediumEvents NONE = (home, node, event, detail) -> {};

    /** {@code nodeId} may be empty for the home's own; {@code detail} holds strings only. */
    void tell(String homeId, String nodeId, String event, Map<String, String> detail);
}
