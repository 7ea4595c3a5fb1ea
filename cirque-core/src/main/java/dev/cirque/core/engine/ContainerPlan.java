package dev.cirque.core.engine;

import dev.cirque.core.CirqueException;
import dev.cirque.core.spec.NetworkKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The container a node will run in, before it exists. The core fills in image, name,
 * labels and network; each capability then adds what it needs. Contributions merge:
 * lists append, Linux capabilities union, and maps (env, sysctls, labels) merge, where
 * two different values for one key are a conflict reported as INVALID_ARGUMENT rather
 * than one capability silently undoing another.
 *
 * <p>There is deliberately no way to ask for {@code privileged}: it fails on hosts
 * without CAP_SYS_RESOURCE and grants far more than any capability needs.
 */
public final class ContainerPlan {

    /** A bind mount of a host path. */
    public record Bind(String hostPath, String containerPath, boolean readOnly) {}

    /** A host device made visible in the container. */
    public record Device(String hostPath, String containerPath, String permissions) {}

    private final String image;
    private final String name;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> sysctls = new LinkedHashMap<>();
    private final Set<String> capAdd = new LinkedHashSet<>();
    private final List<Bind> binds = new ArrayList<>();
    private final List<Device> devices = new ArrayList<>();
    private boolean tty;
    private boolean stdinOpen;
    private NetworkKind network;

    public ContainerPlan(String image, String name) {
        this.image = image;
        this.name = name;
    }

    public String image() {
        return image;
    }

    public String name() {
        return name;
    }

    public ContainerPlan label(String key, String value) {
        putOnce(labels, "label", key, value);
        return this;
    }

    public ContainerPlan env(String key, String value) {
        putOnce(env, "environment variable", key, value);
        return this;
    }

    public ContainerPlan sysctl(String key, String value) {
        putOnce(sysctls, "sysctl", key, value);
        return this;
    }

    /** Adds a Linux capability (e.g. {@code NET_ADMIN}), without the {@code CAP_} prefix. */
    public ContainerPlan addLinuxCapability(String capability) {
        String c = capability.startsWith("CAP_") ? capability.substring(4) : capability;
        if (c.equals("ALL")) {
            throw CirqueException.invalid("refusing to grant ALL Linux capabilities: name the ones needed");
        }
        capAdd.add(c);
        return this;
    }

    public ContainerPlan bind(String hostPath, String containerPath, boolean readOnly) {
        binds.add(new Bind(hostPath, containerPath, readOnly));
        return this;
    }

    public ContainerPlan device(String hostPath, String containerPath, String permissions) {
        devices.add(new Device(hostPath, containerPath, permissions));
        return this;
    }

    /**
     * Puts the node on one of its home's networks. Asked twice for different networks (by
     * the spec and a capability, or two capabilities) is a conflict.
     */
    public ContainerPlan network(NetworkKind kind) {
        if (network != null && network != kind) {
            throw CirqueException.invalid("conflicting networks for one node: " + name(network) + " and " + name(kind));
        }
        network = kind;
        return this;
    }

    /** The network asked for; the home's LAN when nobody asked. */
    public NetworkKind network() {
        return network == null ? NetworkKind.LAN : network;
    }

    private static String name(NetworkKind k) {
        return k == NetworkKind.LAN ? "the home LAN" : k.wireName();
    }

    /** Allocates a pseudo-terminal for the container's main process. */
    public ContainerPlan tty(boolean on) {
        tty |= on;
        return this;
    }

    /** Keeps the main process's stdin open (attachable). */
    public ContainerPlan stdinOpen(boolean on) {
        stdinOpen |= on;
        return this;
    }

    public Map<String, String> labels() {
        return Collections.unmodifiableMap(labels);
    }

    public Map<String, String> env() {
        return Collections.unmodifiableMap(env);
    }

    public Map<String, String> sysctls() {
        return Collections.unmodifiableMap(sysctls);
    }

    public Set<String> linuxCapabilities() {
        return Collections.unmodifiableSet(capAdd);
    }

    public List<Bind> binds() {
        return Collections.unmodifiableList(binds);
    }

    public List<Device> devices() {
        return Collections.unmodifiableList(devices);
    }

    public boolean tty() {
        return tty;
    }

    public boolean stdinOpen() {
        return stdinOpen;
    }

    private static void putOnce(Map<String, String> map, String what, String key, String value) {
        String before = map.putIfAbsent(key, value);
        if (before != null && !before.equals(value)) {
            throw CirqueException.invalid(
                    "conflicting " + what + " " + key + ": '" + before + "' and '" + value + "'");
        }
    }
}
