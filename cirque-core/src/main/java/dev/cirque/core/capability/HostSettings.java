package dev.cirque.core.capability;

import dev.cirque.core.host.HostLedger;
import java.util.Map;
import java.util.Optional;

/**
 * What the daemon's configuration tells capabilities about this host: the mount policy,
 * named settings such as {@code thread.bin-dir}, and the ledger where host processes are
 * recorded. Plugins read it in {@link CapabilityProvider#create}, since ServiceLoader
 * builds them without arguments.
 */
public record HostSettings(MountPolicy mountPolicy, Map<String, String> settings, HostLedger ledger) {

    public HostSettings {
        settings = Map.copyOf(settings);
    }

    /** With the default ledger. */
    public HostSettings(MountPolicy mountPolicy, Map<String, String> settings) {
        this(mountPolicy, settings, HostLedger.defaultLedger());
    }

    public static HostSettings defaults() {
        return new HostSettings(MountPolicy.closed(), Map.of());
    }

    public Optional<String> setting(String name) {
        return Optional.ofNullable(settings.get(name)).filter(s -> !s.isBlank());
    }
}
