package dev.cirque.server.cli;

import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.NodeSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The core in this process: no service started; homes live as long as the CLI does. */
final class LocalBackend implements Backend {

    private final DockerEngine engine;
    private final HomeService homes;

    LocalBackend(String dockerHost) {
        engine = DockerEngine.connect(dockerHost);
        engine.ping();
        homes = new HomeService(engine, CapabilityRegistry.fromClassPath());
    }

    @Override
    public String createHome() {
        return homes.createHome().id();
    }

    @Override
    public Map<String, Device> createHome(Map<String, NodeSpec> topology, String[] homeId) {
        HomeService.Topology made = homes.createHome(topology);
        homeId[0] = made.home().id();
        Map<String, Device> out = new LinkedHashMap<>();
        made.nodes().forEach((key, node) -> out.put(key, view(node)));
        return out;
    }

    @Override
    public List<String> homes() {
        return homes.homes().stream().map(h -> h.id()).toList();
    }

    @Override
    public List<Device> devices(String home) {
        return homes.nodes(home).stream().map(LocalBackend::view).toList();
    }

    @Override
    public Device device(String home, String device) {
        return view(homes.node(home, device));
    }

    @Override
    public Device createDevice(String home, NodeSpec spec) {
        return view(homes.createNode(home, spec));
    }

    @Override
    public ExecResult exec(String home, String device, List<String> argv) {
        return homes.exec(home, device, argv, null);
    }

    @Override
    public void closeDevice(String home, String device) {
        homes.stopNode(home, device);
    }

    @Override
    public void destroyHome(String home) {
        homes.stopHome(home);
    }

    @Override
    public String describe() {
        return "in-process, " + engine.host();
    }

    /** Tears down every home this process made. */
    @Override
    public void close() {
        homes.close();
        engine.close();
    }

    private static Device view(Node n) {
        return new Device(n.id(), n.name(), n.spec().deviceType(), n.spec().image(), n.ipv4(), n.ipv6(),
                n.spec().capabilities().stream().map(c -> c.name()).toList());
    }
}
