package dev.cirque.core.home;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cirque.core.engine.ContainerEngine.NetworkConfig;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.testing.FakeEngine;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up sweep's bookkeeping on the fake engine (pure logic; the real sweep is
 * RestartSafetyTest's): an object it cannot remove is left and logged, the rest still go,
 * and only what went is counted.
 */
class JanitorTest {

    @TempDir
    Path ledger;

    @Test
    void oneUnremovableObjectStopsNeitherTheSweepNorItsCount() {
        FakeEngine engine = new FakeEngine("img");
        Map<String, String> dead = Map.of(Labels.MANAGED, "true", Labels.HOME, "h1", Labels.OWNER, "1:1");
        String net = engine.createNetwork("cirque-h1", dead, NetworkConfig.bridge());
        String stuck = engine.createContainer(plan("a", dead), "cirque-h1");
        engine.createContainer(plan("b", dead), "cirque-h1");
        engine.createContainer(plan("c", dead), "cirque-h1");
        engine.failFor("removeContainer", stuck);

        Janitor.Report swept = Janitor.sweep(engine, new HostLedger(ledger));

        assertEquals(2, swept.containers(), "the two removable containers, not the stuck one");
        assertEquals(0, swept.networks(), "the network still has the stuck container: not counted");
        assertEquals(Map.of(stuck, engine.containers.get(stuck)), engine.containers);
        assertEquals(Map.of(net, engine.networks.get(net)), engine.networks);
    }

    private static ContainerPlan plan(String name, Map<String, String> labels) {
        ContainerPlan plan = new ContainerPlan("img", name);
        labels.forEach(plan::label);
        return plan;
    }
}
