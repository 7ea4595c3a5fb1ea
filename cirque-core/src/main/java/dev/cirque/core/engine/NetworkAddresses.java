package dev.cirque.core.engine;

/** A container's addresses on one network; {@code ipv6} is empty when the network has none. */
public record NetworkAddresses(String ipv4, String ipv6) {}
