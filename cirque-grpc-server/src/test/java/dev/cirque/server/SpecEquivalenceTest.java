package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.InteractiveCapability;
import dev.cirque.proto.MountCapability;
import dev.cirque.proto.MountPair;
import dev.cirque.proto.ThreadCapability;
import dev.cirque.proto.TrafficControlCapability;
import dev.cirque.proto.WeaveCapability;
import dev.cirque.proto.XvncCapability;
import dev.cirque.server.grpc.DeviceSpecs;
import dev.cirque.server.http.DeviceConfigs;
import org.junit.jupiter.api.Test;

/** The JSON device config and the gRPC DeviceSpecification land on the same internal spec. */
class SpecEquivalenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyJsonKeyMeansWhatItsGrpcFieldMeans() throws Exception {
        NodeSpec fromJson = DeviceConfigs.toNodeSpec(JSON.readTree("""
                {"type": "chip_device", "base_image": "chip/image:1", "docker_network": "Ipv6",
                 "capability": ["Thread", "Interactive", "TrafficControl", "Mount", "Weave", "Xvnc"],
                 "rcp_mode": true, "thread_petition": 2,
                 "traffic_control": {"latencyMs": 100, "loss": 5},
                 "mount_pairs": [["/src", "/dst"], ["/a", "/b"]],
                 "weave_config_file": "/certs/w.config", "weave_config_target_path": "/mnt/w.config",
                 "xvnc_localhost": true, "display_id": 7, "docker_display_id": 1}"""));
        NodeSpec fromGrpc = DeviceSpecs.toNodeSpec(DeviceSpecification.newBuilder()
                .setDeviceType("chip_device").setBaseImage("chip/image:1").setDockerNetwork("Ipv6")
                .setThreadCapability(ThreadCapability.newBuilder().setRcpMode(true).setPetitionId(2))
                .setInteractiveCapability(InteractiveCapability.getDefaultInstance())
                .setTrafficcontrolCapability(TrafficControlCapability.newBuilder().setLatencyMs(100).setLossRate(5))
                .setMountCapability(MountCapability.newBuilder()
                        .addMountPairs(MountPair.newBuilder().setHostPath("/src").setTargetPath("/dst"))
                        .addMountPairs(MountPair.newBuilder().setHostPath("/a").setTargetPath("/b")))
                .setWeaveCapability(WeaveCapability.newBuilder().setWeaveCertificatePath("/certs/w.config")
                        .setTargetPath("/mnt/w.config"))
                .setXvncCapability(XvncCapability.newBuilder().setLocalhost(true).setDisplayId(7).setDockerDisplayId(1))
                .build());
        assertEquals(sorted(fromGrpc), sorted(fromJson));
    }

    @Test
    void defaultsMeanTheSameWhetherWrittenOrLeftOut() throws Exception {
        NodeSpec fromJson = DeviceConfigs.toNodeSpec(JSON.readTree("""
                {"type": "t", "capability": ["Thread"], "rcp_mode": false, "thread_petition": 0}"""));
        NodeSpec fromGrpc = DeviceSpecs.toNodeSpec(DeviceSpecification.newBuilder().setDeviceType("t")
                .setThreadCapability(ThreadCapability.getDefaultInstance()).build());
        assertEquals(fromGrpc, fromJson);
    }

    /** The two fronts list capabilities in their own order (JSON's array, proto's field numbers). */
    private static NodeSpec sorted(NodeSpec spec) {
        return spec.withCapabilities(spec.capabilities().stream()
                .sorted((a, b) -> a.name().compareTo(b.name())).toList());
    }
}
