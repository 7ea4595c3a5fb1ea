package dev.cirque.core.home;

import dev.cirque.core.spec.NetworkKind;

/**
 * One of a home's networks as created.
 *
 * @param note why it is as it is, when that differs from what was asked (e.g. the macvlan
 *             fallback for IpvLan); empty otherwise
 */
public record HomeNetwork(NetworkKind kind, String id, String name, String driver, String note) {}
