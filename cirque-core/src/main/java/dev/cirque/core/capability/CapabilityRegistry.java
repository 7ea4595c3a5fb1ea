package dev.cirque.core.capability;

import dev.cirque.core.CirqueException;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The capability providers this daemon has, by name. Immutable once built. */
public final class CapabilityRegistry {

    private final Map<String, CapabilityProvider> providers;
    private final HostSettings host;

    public CapabilityRegistry(Collection<? extends CapabilityProvider> found) {
        this(found, HostSettings.defaults());
    }

    public CapabilityRegistry(Collection<? extends CapabilityProvider> found, HostSettings host) {
        this.host = host;
        Map<String, CapabilityProvider> byName = new TreeMap<>();
        for (CapabilityProvider p : found) {
            CapabilityProvider clash = byName.putIfAbsent(p.name(), p);
            if (clash != null) {
                throw new IllegalStateException("two providers for capability " + p.name() + ": "
                        + clash.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        this.providers = Map.copyOf(byName);
    }

    /** Every provider on the class path, found through {@link ServiceLoader}. */
    public static CapabilityRegistry fromClassPath() {
        return fromClassPath(HostSettings.defaults());
    }

    public static CapabilityRegistry fromClassPath(HostSettings host) {
        List<CapabilityProvider> found = new ArrayList<>();
        ServiceLoader.load(CapabilityProvider.class).forEach(found::add);
        return new CapabilityRegistry(found, host);
    }

    public HostSettings host() {
        return host;
    }

    /** The provider of that capability, for its own live operations (a Thread node's device mode). */
    public java.util.Optional<CapabilityProvider> provider(String name) {
        return java.util.Optional.ofNullable(providers.get(name));
    }

    public List<String> names() {
        return List.copyOf(new TreeMap<>(providers).keySet());
    }

    /** The media the providers bring (see {@link CapabilityProvider#media}). */
    public List<LinkMedium> media() {
        return new TreeMap<>(providers).values().stream().flatMap(p -> p.media().stream()).toList();
    }

    /** Each provider's wire form, by capability name. */
    public Map<String, WireForm> wireForms() {
        Map<String, WireForm> out = new TreeMap<>();
        providers.forEach((name, p) -> out.put(name, p.wire()));
        return out;
    }

    /**
     * The spec with what its device type implies: the capabilities a provider declares for
     * that type (added, parameterless, when the client did not ask) and the image it runs.
     */
    public NodeSpec resolve(NodeSpec spec) {
        List<CapabilityRequest> caps = new ArrayList<>(spec.capabilities());
        String image = spec.typeImage();
        for (Map.Entry<String, CapabilityProvider> e : providers.entrySet()) {
            String typeImage = e.getValue().wire().deviceTypes().get(spec.deviceType());
            if (typeImage == null) {
                continue;
            }
            if (caps.stream().noneMatch(c -> c.name().equals(e.getKey()))) {
                caps.add(CapabilityRequest.of(e.getKey()));
            }
            if (!typeImage.isEmpty()) {
                image = typeImage;
            }
        }
        return new NodeSpec(spec.deviceType(), spec.baseImage(), caps, spec.network(), image, spec.position());
    }

    /** Builds the capabilities of one node, failing on the first one that cannot be made. */
    public List<Capability> create(NodeSpec spec) {
        List<Capability> made = new ArrayList<>();
        for (CapabilityRequest request : spec.capabilities()) {
            CapabilityProvider provider = providers.get(request.name());
            if (provider == null) {
                throw CirqueException.invalid("unknown capability '" + request.name()
                        + "': this daemon provides " + names());
            }
            made.add(provider.create(request, spec, host));
        }
        return made;
    }
}
