package dev.cirque.server.media;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The routes a medium has over HTTP under {@code /media/{medium}/{home}} (any medium) or
 * {@code /MEDIUM/{home}} (a medium with a front of its own): {@code GET} its account of the
 * home, {@code POST .../capture/start|stop}, {@code GET .../capture} (the pcap).
 */
public interface MediumRoutes {

    JsonNode topology(String home);

    /** Starts ({@code start}) or stops the home's capture; what it is now. */
    JsonNode capture(String home, boolean start);

    byte[] captured(String home);
}
