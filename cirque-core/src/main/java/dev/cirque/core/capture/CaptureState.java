package dev.cirque.core.capture;

/**
 * A home's capture on a medium after a start or a stop, whichever call asked (the generic
 * media calls, Thread's and WiFi's typed ones); {@code downloadPath} is its HTTP route.
 */
public record CaptureState(String medium, boolean capturing, String downloadPath, long bytes) {}
