package dev.cirque.server.plugin;

import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A capability that fails on purpose, for the fault tests: it leaves a host file before
 * the container exists and another once it runs (registering the undo of each), then
 * fails. Everything must be undone.
 */
public final class FaultyCapability implements CapabilityProvider {

    @Override
    public String name() {
        return "Faulty";
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        Path dir = Path.of(request.string("dir", System.getProperty("java.io.tmpdir")));
        return new Capability() {
            @Override
            public String name() {
                return "Faulty";
            }

            @Override
            public void prepare(PrepareContext node) throws Exception {
                Path before = Files.writeString(dir.resolve("prepared-" + node.nodeId()), "x");
                node.onTeardown("delete " + before, () -> Files.deleteIfExists(before));
            }

            @Override
            public void contribute(ContainerPlan plan) {
                plan.env("FAULTY", "1");
            }

            @Override
            public void enable(NodeContext node) throws Exception {
                Path after = Files.writeString(dir.resolve("enabled-" + node.nodeId()), "x");
                node.onTeardown("delete " + after, () -> Files.deleteIfExists(after));
                throw new IllegalStateException("failing on purpose");
            }
        };
    }
}
