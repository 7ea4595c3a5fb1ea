package dev.cirque.engine.docker;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ContainerPlan;
import java.util.ArrayList;
import java.util.List;

/** A {@link ContainerPlan} in Docker's terms: its host configuration, environment and host name. */
final class DockerPlans {

    private DockerPlans() {}

    static HostConfig hostConfig(ContainerPlan plan, String network) {
        HostConfig hostConfig = HostConfig.newHostConfig()
                .withNetworkMode(network)
                .withCapAdd(plan.linuxCapabilities().stream().map(DockerPlans::linuxCapability)
                        .toArray(Capability[]::new))
                .withBinds(plan.binds().stream()
                        .map(b -> new Bind(b.hostPath(), new Volume(b.containerPath()),
                                b.readOnly() ? AccessMode.ro : AccessMode.rw))
                        .toList())
                .withDevices(plan.devices().stream()
                        .map(d -> new Device(d.permissions(), d.containerPath(), d.hostPath()))
                        .toList());
        if (!plan.sysctls().isEmpty()) {
            hostConfig.withSysctls(plan.sysctls());
        }
        return hostConfig;
    }

    static List<String> env(ContainerPlan plan) {
        List<String> env = new ArrayList<>();
        plan.env().forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    /** Docker refuses a host name over 63 characters. */
    static String hostname(String name) {
        return name.length() <= 63 ? name : name.substring(0, 63);
    }

    private static Capability linuxCapability(String name) {
        try {
            return Capability.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw CirqueException.invalid("unknown Linux capability " + name);
        }
    }
}
