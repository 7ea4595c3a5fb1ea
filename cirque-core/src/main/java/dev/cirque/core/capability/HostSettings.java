package dev.cirque.core.capability;

import java.util.Map;
import java.util.Optional;

/**
 * What the daemon's configuration tells capabilities about this host: the mount policy,
 * and named settings such as {@code thread.bin-dir}. Plugins read it in
 * {@link CapabilityProvider#create}, since ServiceLoader builds them without arguments.
 */
public record HostSettings(MountPolicy mountPolicy, Map<String, String> settings) {

    public HostSettings {
        settings = Map.copyOf(settings);
    }

    public static HostSettings defaults() {
        return new HostSettings(MountPolicy.permissive(), Map.of());
    }

    public Optional<String> setting(String name) {
        return Optional.ofNullable(settings.get(name)).filter(s -> !s.isBlank());
    }
}
