package dev.cirque.server.media;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The routes a medium has over HTTP under {@code /media/{medium}/{home}} (any medium) or
 * {@code /MEDIUM/{home}} (a medium with a front of its own): {@code GET} its account of the
 * home, {@code POST .../capture/start|stop}, {@code GET .../capture} (the pcap), and a front's
 * own node actions ({@code POST /thread/{home}/mode/{device}}).
 */
public interface MediumRoutes {

    JsonNode topology(String home);

    /** Starts ({@code start}) or stops the home's capture; what it is now. */
    JsonNode capture(String home, boolean start);

    byte[] captured(String home);

    /** {@code POST .../{action}/{device}} with a JSON body: an action of the medium's on one node; NOT_FOUND by default. */
    default JsonNode nodeAction(String home, String action, String device, JsonNode body) {
        throw dev.cirque.core.CirqueException.notFound("no node action '" + action + "' on this medium");
    }
}
