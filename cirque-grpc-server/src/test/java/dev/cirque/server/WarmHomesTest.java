package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.HomeService.Topology;
import dev.cirque.core.home.Labels;
import dev.cirque.core.home.Limits;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.core.testing.Eventually;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Warm homes against real Docker: a spare home of a topology is made in the background,
 * hidden, and handed out to the next creation of an identical topology (its containers are
 * the ones made before it was asked for); a spare whose image changed since is never handed
 * out; a creation at the home cap takes a spare's room; nothing is left after close.
 */
class WarmHomesTest {

    private static final String RETAGGED = "cirque-test/warm-node:latest";
    private static DockerEngine engine;
    private static DockerClient docker;
    private HomeService homes;

    @BeforeAll
    static void connect() {
        engine = DockerEngine.connect(null);
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).build());
    }

    @AfterEach
    void closeHomes() {
        if (homes != null) {
            homes.close();
            assertEquals(List.of(), engine.containersLabelled(Labels.managed()), "containers left");
        }
    }

    @AfterAll
    static void disconnect() throws Exception {
        try {
            docker.removeImageCmd(RETAGGED).withForce(true).exec();
        } catch (RuntimeException absent) {
            // the test that makes it did not run
        }
        docker.close();
        engine.close();
    }

    private HomeService homes(int maxHomes) {
        homes = new HomeService(engine, CapabilityRegistry.fromClassPath(TestDaemon.TESTS), new Limits(maxHomes, 256, 65536));
        homes.warmHomes(1);
        return homes;
    }

    @Tag("engine")
    @Test
    void aSecondHomeOfTheSameTopologyIsHandedOutWarm() {
        HomeService homes = homes(8);
        Map<String, NodeSpec> topology = topology(3, TestDaemon.NODE_IMAGE);
        Topology first = homes.createHome(topology);
        awaitTrue(() -> homes.spareHomes() == 1, "a spare home is made");
        assertEquals(List.of(first.home()), homes.homes(), "the spare is nobody's to see");
        Set<String> before = new HashSet<>(engine.containersLabelled(Labels.managed()));
        assertEquals(6, before.size(), "three nodes, and three of the spare");

        Topology second = homes.createHome(topology);
        assertEquals(topology.keySet(), second.nodes().keySet());
        for (Node n : second.nodes().values()) {
            assertTrue(before.contains(n.containerId()), "made before it was asked for: " + n.name());
            assertEquals(0, homes.exec(second.home().id(), n.id(), "true", null).exitCode());
        }
        assertEquals(List.of(first.home(), second.home()), homes.homes());
        awaitTrue(() -> homes.spareHomes() == 1, "another spare is made");

        // Another topology is made cold.
        Topology other = homes.createHome(topology(2, TestDaemon.NODE_IMAGE));
        other.nodes().values().forEach(n -> assertFalse(before.contains(n.containerId())));
        homes.stopHome(second.home().id());
        assertEquals(List.of(first.home(), other.home()), homes.homes());
    }

    @Test
    void aSpareWhoseImageChangedSinceIsNeverHandedOut() {
        docker.tagImageCmd(TestDaemon.NODE_IMAGE, "cirque-test/warm-node", "latest").exec();
        HomeService homes = homes(8);
        Map<String, NodeSpec> topology = topology(2, RETAGGED);
        Topology first = homes.createHome(topology);
        awaitTrue(() -> homes.spareHomes() == 1, "a spare home is made");
        Set<String> before = new HashSet<>(engine.containersLabelled(Labels.managed()));
        Set<String> spare = new HashSet<>(before);
        first.nodes().values().forEach(n -> spare.remove(n.containerId()));
        assertEquals(2, spare.size());

        // The name now means another build (same contents, another id).
        String made = docker.createContainerCmd(TestDaemon.NODE_IMAGE).exec().getId();
        try {
            docker.commitCmd(made).withRepository("cirque-test/warm-node").withTag("latest")
                    .withMessage("a rebuilt node image").exec();
        } finally {
            docker.removeContainerCmd(made).exec();
        }
        Topology second = homes.createHome(topology);
        second.nodes().values().forEach(n -> assertFalse(before.contains(n.containerId()), "not the stale spare"));
        awaitTrue(() -> engine.containersLabelled(Labels.managed()).stream().noneMatch(spare::contains),
                "the stale spare is stopped");
    }

    @Test
    void aCreationAtTheHomeCapTakesTheRoomOfASpare() {
        HomeService homes = homes(2);
        Topology first = homes.createHome(topology(1, TestDaemon.NODE_IMAGE));
        awaitTrue(() -> homes.spareHomes() == 1, "a spare home is made");
        Topology second = homes.createHome(topology(2, TestDaemon.NODE_IMAGE));
        assertEquals(List.of(first.home(), second.home()), homes.homes());
        assertEquals(0, homes.spareHomes());
    }

    private static Map<String, NodeSpec> topology(int nodes, String image) {
        Map<String, NodeSpec> t = new LinkedHashMap<>();
        for (int i = 0; i < nodes; i++) {
            t.put("device" + i, new NodeSpec(image, "", List.of()));
        }
        return t;
    }

    /** Polls for what the daemon does in the background, up to a minute. */
    private static void awaitTrue(BooleanSupplier condition, String what) {
        Eventually.await(what, java.time.Duration.ofSeconds(60), condition);
    }
}
