package dev.cirque.server.cli;

import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.proto.CirqueServiceGrpc.CirqueServiceBlockingStub;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.server.Composition;
import dev.cirque.server.HostOptions;
import dev.cirque.server.wire.LinkMessages;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The core in this process: no service started; homes live as long as the CLI does. */
final class LocalBackend implements Backend {

    private final Composition core;
    private final HomeService homes;

    /** Starts the core as the daemon does (same settings, sweep and limits), without a service. */
    LocalBackend(HostOptions options) {
        core = Composition.start(options);
        homes = core.homes();
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
    public Device powerOff(String home, String device, Integer graceSeconds) {
        return view(homes.powerOff(home, device, graceSeconds));
    }

    @Override
    public Device powerOn(String home, String device) {
        return view(homes.powerOn(home, device));
    }

    @Override
    public void destroyHome(String home) {
        homes.stopHome(home);
    }

    @Override
    public LinkState links(String home, String medium) {
        return LinkMessages.state(homes, home, medium);
    }

    @Override
    public LinkState setLink(SetLinkConditionsRequest request) {
        return LinkMessages.set(homes, request);
    }

    @Override
    public LinkState partition(PartitionRequest request) {
        return LinkMessages.partition(homes, request);
    }

    @Override
    public LinkState heal(HealRequest request) {
        return LinkMessages.heal(homes, request);
    }

    @Override
    public LinkState seed(dev.cirque.proto.SeedLinksRequest request) {
        return LinkMessages.seed(homes, request);
    }

    @Override
    public <T> T call(Function<HomeService, T> inProcess, Function<CirqueServiceBlockingStub, T> overGrpc) {
        return inProcess.apply(homes);
    }

    @Override
    public List<String> media() {
        return homes.media().names();
    }

    @Override
    public Map<String, Object> describeMedium(String home, String medium) {
        return homes.media().describe(home, medium);
    }

    @Override
    public CaptureState captureMedium(String home, String medium, boolean start) {
        return homes.media().capture(home, medium, start);
    }

    @Override
    public byte[] mediumCapture(String home, String medium) {
        return homes.media().captured(home, medium);
    }

    @Override
    public byte[] recording(String home) {
        return homes.recordings().zip(home);
    }

    @Override
    public String describe() {
        return "in-process, " + core.engineAddress();
    }

    /** Tears down every home this process made. */
    @Override
    public void close() {
        core.close();
    }

    private static Device view(Node n) {
        return new Device(n.id(), n.name(), n.spec().deviceType(), n.spec().image(), n.ipv4(), n.ipv6(),
                n.spec().capabilities().stream().map(c -> c.name()).toList(), n.state().wireName());
    }
}
