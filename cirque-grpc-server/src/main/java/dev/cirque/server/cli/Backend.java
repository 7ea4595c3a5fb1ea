package dev.cirque.server.cli;

import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.proto.CirqueServiceGrpc.CirqueServiceBlockingStub;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What the CLI does, whether in-process or through a daemon over gRPC. */
interface Backend extends AutoCloseable {

    /** A device as the CLI shows it. */
    record Device(String id, String name, String type, String image, String ipv4, String ipv6,
            List<String> capabilities, String state) {}

    String createHome();

    /** Creates a home with every device of a topology, all or nothing; devices by topology key. */
    Map<String, Device> createHome(Map<String, NodeSpec> topology, String[] homeId);

    List<String> homes();

    List<Device> devices(String home);

    Device device(String home, String device);

    Device createDevice(String home, NodeSpec spec);

    ExecResult exec(String home, String device, List<String> argv);

    void closeDevice(String home, String device);

    /** Powers a device off, keeping it; {@code graceSeconds} between SIGTERM and SIGKILL (null: the daemon's default). */
    Device powerOff(String home, String device, Integer graceSeconds);

    Device powerOn(String home, String device);

    void destroyHome(String home);

    LinkState links(String home, String medium);

    LinkState setLink(SetLinkConditionsRequest request);

    LinkState partition(PartitionRequest request);

    LinkState heal(HealRequest request);

    LinkState seed(dev.cirque.proto.SeedLinksRequest request);

    /** A medium front's own call: {@code inProcess} on this CLI's homes, or {@code overGrpc} on the daemon's. */
    <T> T call(Function<HomeService, T> inProcess, Function<CirqueServiceBlockingStub, T> overGrpc);

    /** The daemon's media, by name. */
    List<String> media();

    /** What a medium knows of a home (as {@code GET /media/{medium}/{home}} gives it). */
    Map<String, Object> describeMedium(String home, String medium);

    CaptureState captureMedium(String home, String medium, boolean start);

    /** The home's capture on the medium, a pcap. */
    byte[] mediumCapture(String home, String medium);

    /** The home's flight recording, a zip. */
    byte[] recording(String home);

    /** A word for the user: where the homes live. */
    String describe();

    @Override
    void close();
}
