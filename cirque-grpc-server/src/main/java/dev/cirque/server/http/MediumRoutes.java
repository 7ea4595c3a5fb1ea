package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The routes a medium with a topology and a capture has under {@code /MEDIUM/{home}}
 * ({@code thread}, {@code wifi}): {@code GET} its topology, {@code POST .../capture/start|stop},
 * {@code GET .../capture} (the pcap). HttpApi routes both through one method.
 */
interface MediumRoutes {

    JsonNode topology(String home);

    /** {@code action}: {@code start} or {@code stop}; anything else is NOT_FOUND. */
    JsonNode capture(String home, String action);

    byte[] captured(String home);
}
