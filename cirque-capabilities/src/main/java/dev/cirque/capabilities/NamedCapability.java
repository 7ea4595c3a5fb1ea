package dev.cirque.capabilities;

import dev.cirque.core.capability.Capability;

/** A capability that is its name plus whichever of the contract's steps it overrides. */
abstract class NamedCapability implements Capability {

    private final String name;

    NamedCapability(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }
}
