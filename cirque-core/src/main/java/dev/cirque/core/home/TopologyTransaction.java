package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.home.HomeService.Topology;
import dev.cirque.core.home.HomeService.TopologyListener;
import dev.cirque.core.spec.NodeSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A home and all the nodes of a topology as one transaction: every spec is checked before
 * anything exists, the nodes are created concurrently, and if any fails the whole home is
 * removed and the first failure (in topology order) thrown, naming its device.
 */
final class TopologyTransaction {

    private static final Logger log = LoggerFactory.getLogger(TopologyTransaction.class);

    private final HomeService homes;
    private final ExecutorService creationPool;
    private final int maxNodes;

    TopologyTransaction(HomeService homes, ExecutorService creationPool, int maxNodes) {
        this.homes = homes;
        this.creationPool = creationPool;
        this.maxNodes = maxNodes;
    }

    /** Makes the home and its nodes; a {@code spare} home stays hidden until handed out. */
    Topology run(Map<String, NodeSpec> topology, TopologyListener listener, boolean spare) {
        if (topology.size() > maxNodes) {
            throw new CirqueException(Kind.RESOURCE_EXHAUSTED, "a topology of " + topology.size()
                    + " devices is over the limit of " + maxNodes + " per home (--max-nodes-per-home)");
        }
        for (Map.Entry<String, NodeSpec> e : topology.entrySet()) {
            try {
                homes.check(e.getValue());
            } catch (CirqueException ex) {
                throw ex.forDevice(e.getKey());
            }
        }
        Home home = homes.createHome(spare);
        listener.homeCreated(home);
        long started = System.nanoTime();
        Map<String, CompletableFuture<Node>> pending = new LinkedHashMap<>();
        topology.forEach((key, spec) -> pending.put(key, CompletableFuture.supplyAsync(() -> {
            Node node = homes.createNode(home, spec);
            listener.nodeReady(key, node);
            return node;
        }, creationPool)));
        Map<String, Node> nodes = new LinkedHashMap<>();
        CirqueException failure = null;
        for (Map.Entry<String, CompletableFuture<Node>> e : pending.entrySet()) {
            try {
                nodes.put(e.getKey(), e.getValue().join());
            } catch (CompletionException ex) {
                if (failure == null) {
                    failure = (ex.getCause() instanceof CirqueException ce ? ce
                            : new CirqueException(Kind.INTERNAL, String.valueOf(ex.getCause()), ex.getCause()))
                            .forDevice(e.getKey());
                }
            }
        }
        if (failure != null) {
            log.warn("home {}: topology failed ({}); removing the home", home.id(), failure.getMessage());
            homes.stop(home.id());
            throw failure;
        }
        log.info("home {}: {} device(s) up in {} ms", home.id(), nodes.size(), (System.nanoTime() - started) / 1_000_000);
        return new Topology(home, nodes);
    }
}
