package dev.cirque.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateNetworkCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ContainerEngine.Labelled;
import dev.cirque.core.engine.ContainerEngine.NetworkConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker engine's networks: made with their pools, listed by label, removed (forcing off
 * the endpoints Docker kept of containers removed in parallel), and a container taken off its
 * network before its removal, one container of a network at a time.
 */
final class DockerNetworks {

    private static final Logger log = LoggerFactory.getLogger(DockerNetworks.class);

    private final DockerClient client;
    private final String host;
    /** Locks striped by network (see {@link #leave}). */
    private final Object[] locks = java.util.stream.IntStream.range(0, 64).mapToObj(i -> new Object()).toArray();

    DockerNetworks(DockerClient client, String host) {
        this.client = client;
        this.host = host;
    }

    String create(String name, Map<String, String> labels, NetworkConfig config) {
        return call("create network " + name, () -> {
            CreateNetworkCmd cmd = client.createNetworkCmd()
                    .withName(name)
                    .withDriver(config.driver())
                    .withInternal(config.internal())
                    .withOptions(config.options())
                    .withLabels(labels);
            List<Network.Ipam.Config> pools = new ArrayList<>();
            if (!config.ipv4Subnet().isEmpty()) {
                Network.Ipam.Config v4 = new Network.Ipam.Config().withSubnet(config.ipv4Subnet());
                if (!config.ipv4Gateway().isEmpty()) {
                    v4.withGateway(config.ipv4Gateway());
                }
                pools.add(v4);
            }
            if (!config.ipv6Subnet().isEmpty()) {
                cmd.withEnableIpv6(true);
                pools.add(new Network.Ipam.Config().withSubnet(config.ipv6Subnet()));
            }
            if (!pools.isEmpty()) {
                cmd.withIpam(new Network.Ipam().withConfig(pools));
            }
            return cmd.exec().getId();
        });
    }

    void remove(String networkId) {
        for (int attempt = 1; ; attempt++) {
            try {
                call("remove network " + networkId, () -> {
                    client.removeNetworkCmd(networkId).exec();
                    return null;
                });
                return;
            } catch (CirqueException e) {
                if (e.getCause() instanceof NotFoundException) {
                    return;
                }
                // Docker can keep endpoints of containers removed in parallel (seen with 20.10 and
                // 28; leave avoids it for containers this engine made): disconnect them by
                // force, then try again.
                if (!e.getMessage().contains("active endpoints") || attempt == 5) {
                    throw e;
                }
                disconnectAll(networkId);
                DockerExecs.sleepQuietly(200L * attempt);
            }
        }
    }

    /** Forces every endpoint off a network, those of containers already gone included. */
    private void disconnectAll(String networkId) {
        Network net = call("inspect network " + networkId, () -> client.inspectNetworkCmd().withNetworkId(networkId).exec());
        Map<String, Network.ContainerNetworkConfig> endpoints = net.getContainers() == null ? Map.of() : net.getContainers();
        endpoints.forEach((container, endpoint) -> {
            String name = endpoint.getName() == null || endpoint.getName().isBlank() ? container : endpoint.getName();
            try {
                client.disconnectFromNetworkCmd().withNetworkId(networkId).withContainerId(name).withForce(true).exec();
                log.info("network {}: forced stale endpoint {} off", DockerEngine.shortId(networkId), name);
            } catch (RuntimeException ex) {
                log.debug("network {}: endpoint {} could not be forced off: {}", DockerEngine.shortId(networkId), name, ex.toString());
            }
        });
    }


    /**
     * Takes a container off its network before it is removed, one container of a network at
     * a time. Docker 20.10 loses count of a network's endpoints when they go in parallel (the
     * containers of a 100-node home removed at once): the network then "has active
     * endpoints" that no API call can list or disconnect, until dockerd restarts. Removing a
     * container that has left its network touches no endpoint, so removals stay parallel.
     */
    void leave(String network, String containerId) {
        synchronized (locks[Math.floorMod(network.hashCode(), locks.length)]) {
            try {
                client.disconnectFromNetworkCmd().withNetworkId(network).withContainerId(containerId).withForce(true)
                        .exec();
            } catch (RuntimeException e) {
                log.debug("container {} could not leave network {} first: {}", DockerEngine.shortId(containerId), network,
                        e.toString());
            }
        }
    }

    List<Labelled> labelled(Map<String, String> labels) {
        List<String> filter = labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return call("list networks", () -> client.listNetworksCmd().withFilter("label", filter).exec().stream()
                .map(n -> new Labelled(n.getId(), n.getLabels() == null ? Map.of() : n.getLabels())).toList());
    }

    private <T> T call(String what, Supplier<T> action) {
        return DockerErrors.call(host, what, action);
    }
}
