package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code Mount}: bind-mounts host paths into the node, each checked by the daemon's mount policy. */
public final class MountCapability implements CapabilityProvider {

    public static final String NAME = "Mount";

    /** One checked pair: the host path as resolved (and which file it was), and where it appears in the node. */
    record Pair(MountPolicy.Identity host, String targetPath) {
        Path hostPath() {
            return host.checked();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("mount_capability")
                .json(JsonKey.pairs("mount_pairs", "mount_pairs", "host_path", "target_path"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        List<Pair> pairs = new ArrayList<>();
        for (Object item : request.list("mount_pairs")) {
            if (!(item instanceof Map<?, ?> pair)) {
                throw CirqueException.invalid("Mount: each mount pair needs host_path and target_path");
            }
            MountPolicy.Identity checked = host.mountPolicy().checkIdentity("Mount host_path",
                    string(pair.get("host_path")));
            pairs.add(new Pair(checked, targetPath("Mount target_path", string(pair.get("target_path")))));
        }
        if (pairs.isEmpty()) {
            throw CirqueException.invalid("Mount needs at least one mount pair (host_path -> target_path)");
        }
        return new NamedCapability(NAME) {
            @Override
            public void contribute(ContainerPlan plan) {
                pairs.forEach(p -> plan.bind(p.hostPath().toString(), p.targetPath(), false));
            }

            @Override
            public void enable(NodeContext node) {
                // Docker resolved each path again when it mounted it: it must be the file checked.
                long pid = node.pid();
                pairs.forEach(p -> MountPolicy.verifyMounted("Mount host_path", pid, p.targetPath(), p.host()));
            }

            @Override
            public Map<String, Object> describe() {
                return Map.of("mount_pairs", pairs.stream()
                        .map(p -> Map.of("host_path", p.hostPath().toString(), "target_path", p.targetPath()))
                        .toList());
            }
        };
    }

    /** An absolute path in the node, other than its root. */
    static String targetPath(String what, String path) {
        if (path == null || path.isBlank()) {
            throw CirqueException.invalid(what + " is required");
        }
        Path p = MountPolicy.parse(what, path).normalize();
        if (!p.isAbsolute() || p.getNameCount() == 0) {
            throw CirqueException.invalid(what + " must be an absolute path other than /, got '" + path + "'");
        }
        return p.toString();
    }

    private static String string(Object o) {
        return o == null ? "" : o.toString();
    }
}
