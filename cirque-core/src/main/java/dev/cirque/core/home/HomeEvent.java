package dev.cirque.core.home;

import java.time.Instant;
import java.util.Map;

/**
 * Something that happened in a home, as a watcher sees it.
 *
 * @param seq     the home's own count of events, from 1, without gaps as published
 * @param dropped how many events this watcher missed just before this one (its buffer was full)
 * @param name    the kind as the wire spells it: the kind's own name, or for {@link Kind#TOLD} the
 *                name the plug-in gave it
 * @param nodeId  the node it concerns; empty for the home's own events
 */
public record HomeEvent(long seq, Instant at, String homeId, Kind kind, String name, String nodeId,
        Map<String, String> detail, long dropped) {

    public enum Kind {
        /** A home was made (detail: network); only watchers of every home see it. */
        HOME_CREATED,
        /** A node is up (detail: name, image). */
        NODE_CREATED,
        /** A node was stopped and removed. */
        NODE_REMOVED,
        /** A node was powered off, kept to be powered on again (detail: name). */
        NODE_STOPPED,
        /** A node was powered on again (detail: name, ipv4). */
        NODE_STARTED,
        /** A node's main process ended on its own or was killed from outside (detail: name, exit_code). */
        NODE_EXITED,
        /** A command began in a node (detail: command). */
        EXEC_STARTED,
        /** It ended (detail: exit_code, or error). */
        EXEC_ENDED,
        /**
         * A node's state that a medium or a capability learnt and names itself (a Thread role,
         * a WiFi association, each under its plug-in's name; detail: from, to).
         */
        TOLD,
        /** Something a medium saw (detail: medium, event, and the medium's own keys). */
        MEDIUM_EVENT,
        /** Link conditions changed (detail: medium, change). */
        LINKS_CHANGED,
        /** The home was stopped: the last event of its stream. */
        HOME_STOPPED
    }

    HomeEvent withDropped(long missed) {
        return new HomeEvent(seq, at, homeId, kind, name, nodeId, detail, missed);
    }
}
