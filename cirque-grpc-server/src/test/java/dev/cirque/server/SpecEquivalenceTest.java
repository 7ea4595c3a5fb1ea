package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.InteractiveCapability;
import dev.cirque.proto.MountCapability;
import dev.cirque.proto.MountPair;
import dev.cirque.proto.ThreadCapability;
import dev.cirque.proto.TrafficControlCapability;
import dev.cirque.proto.WeaveCapability;
import dev.cirque.proto.XvncCapability;
import dev.cirque.server.wire.DeviceSpecs;
import dev.cirque.server.wire.DeviceConfigs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The JSON device config and the gRPC DeviceSpecification land on the same internal spec,
 * for every capability on the class path: each provider's wire form is checked here, so a
 * parameter that one front cannot carry fails the build.
 */
class SpecEquivalenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CapabilityRegistry REGISTRY = CapabilityRegistry.fromClassPath();
    private static final DeviceSpecs SPECS = new DeviceSpecs(REGISTRY);
    private static final DeviceConfigs CONFIGS = new DeviceConfigs(REGISTRY);

    @Test
    void everyJsonKeyMeansWhatItsGrpcFieldMeans() throws Exception {
        NodeSpec fromJson = CONFIGS.toNodeSpec(JSON.readTree("""
                {"type": "chip_device", "base_image": "chip/image:1", "docker_network": "Ipv6",
                 "position": [3.5, -2, 1.2],
                 "capability": ["Thread", "Interactive", "TrafficControl", "Mount", "Weave", "Xvnc"],
                 "rcp_mode": true, "thread_petition": 2, "thread_device_mode": "sleepy_end_device",
                 "thread_poll_period_ms": 1000,
                 "traffic_control": {"latencyMs": 100, "loss": 5},
                 "mount_pairs": [["/src", "/dst"], ["/a", "/b"]],
                 "weave_config_file": "/certs/w.config", "weave_config_target_path": "/mnt/w.config",
                 "xvnc_localhost": true, "display_id": 7, "docker_display_id": 1}"""));
        NodeSpec fromGrpc = SPECS.toNodeSpec(DeviceSpecification.newBuilder()
                .setDeviceType("chip_device").setBaseImage("chip/image:1").setDockerNetwork("Ipv6")
                .setPosition(dev.cirque.proto.Position.newBuilder().setX(3.5).setY(-2).setZ(1.2))
                .setThreadCapability(ThreadCapability.newBuilder().setRcpMode(true).setPetitionId(2)
                        .setDeviceMode("sleepy_end_device").setPollPeriodMs(1000))
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
        NodeSpec fromJson = CONFIGS.toNodeSpec(JSON.readTree("""
                {"type": "t", "capability": ["Thread"], "rcp_mode": false, "thread_petition": 0}"""));
        NodeSpec fromGrpc = SPECS.toNodeSpec(DeviceSpecification.newBuilder().setDeviceType("t")
                .setThreadCapability(ThreadCapability.getDefaultInstance()).build());
        assertEquals(fromGrpc, fromJson);
    }

    @TestFactory
    Stream<DynamicTest> everyCapabilityRoundTripsThroughBothFronts() {
        return REGISTRY.wireForms().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            String name = e.getKey();
            WireForm form = e.getValue();
            Map<String, Object> sample = sample(name, form);
            NodeSpec spec = new NodeSpec("some_type", "", List.of(new CapabilityRequest(name, sample)));
            assertEquals(spec, SPECS.toNodeSpec(SPECS.toProto(spec)), "gRPC round trip of " + name);
            JsonNode json = CONFIGS.toConfig(spec);
            assertEquals(spec, CONFIGS.toNodeSpec(json), "JSON round trip of " + name + " via " + json);
        }));
    }

    @Test
    void aPositionRoundTripsThroughBothFrontsAndAMalformedOneIsRefused() throws Exception {
        NodeSpec placed = NodeSpec.of("t").at(new dev.cirque.core.space.Position(1, 2, 3));
        assertEquals(placed, SPECS.toNodeSpec(SPECS.toProto(placed)));
        assertEquals(placed, CONFIGS.toNodeSpec(CONFIGS.toConfig(placed)));
        assertEquals(new dev.cirque.core.space.Position(1, 2, 0), CONFIGS.toNodeSpec(JSON.readTree("""
                {"type": "t", "position": [1, 2]}""")).position(), "z defaults to the floor");
        for (String bad : List.of("[1]", "[1, 2, 3, 4]", "\"here\"", "[1, \"2\"]")) {
            dev.cirque.core.CirqueException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.cirque.core.CirqueException.class, () -> CONFIGS.toNodeSpec(JSON.readTree(
                            "{\"type\": \"t\", \"position\": " + bad + "}")));
            assertEquals(dev.cirque.core.CirqueException.Kind.INVALID_ARGUMENT, e.kind(), bad);
        }
    }

    @Test
    void deviceTypesImplyTheirCapabilitiesOnEveryFront() throws Exception {
        REGISTRY.wireForms().forEach((name, form) -> form.deviceTypes().forEach((type, image) -> {
            NodeSpec resolved = REGISTRY.resolve(NodeSpec.of(type));
            assertTrue(resolved.capabilities().stream().anyMatch(c -> c.name().equals(name)), name + " for " + type);
            assertEquals(image.isEmpty() ? type : image, resolved.image());
            NodeSpec fromJson = CONFIGS.toNodeSpec(JSON.createObjectNode().put("type", type));
            assertEquals(resolved.capabilities(), REGISTRY.resolve(fromJson).capabilities());
        }));
    }

    /**
     * A value for every parameter the capability has: each field of its proto message (all
     * of which must be reachable from JSON), or for a plugin its JSON keys or a free one.
     */
    private static Map<String, Object> sample(String name, WireForm form) {
        Map<String, Object> params = new LinkedHashMap<>();
        if (form.protoFieldName().isEmpty()) {
            form.jsonKeys().forEach(k -> params.put(k.param(), sampleOf(k)));
            params.put("free_parameter", "plugin value");
            return params;
        }
        Descriptor message = DeviceSpecification.getDescriptor().findFieldByName(form.protoField()).getMessageType();
        Set<String> overJson = form.jsonKeys().stream().map(JsonKey::param).collect(Collectors.toSet());
        for (FieldDescriptor fd : message.getFields()) {
            assertTrue(overJson.contains(fd.getName()), name + ": " + message.getName() + "." + fd.getName()
                    + " cannot be set over JSON; give it a key in the provider's wire()");
            params.put(fd.getName(), sampleOf(fd));
        }
        return params;
    }

    private static Object sampleOf(FieldDescriptor fd) {
        Object one = switch (fd.getJavaType()) {
            case BOOLEAN -> true;
            case INT, LONG -> 7L;
            case STRING -> "/sample/" + fd.getName();
            case MESSAGE -> {
                Map<String, Object> nested = new LinkedHashMap<>();
                fd.getMessageType().getFields().forEach(f -> nested.put(f.getName(), sampleOf(f)));
                yield nested;
            }
            default -> throw new AssertionError("no sample for " + fd.getFullName() + " (" + fd.getJavaType() + ")");
        };
        return fd.isRepeated() ? List.of(one, one) : one;
    }

    private static Object sampleOf(JsonKey key) {
        return switch (key.type()) {
            case BOOL -> true;
            case INT -> 7L;
            case STRING -> "sample";
            case STRINGS -> List.of("a", "b");
            case PAIRS -> List.of(Map.of(key.pair().get(0), "/a", key.pair().get(1), "/b"));
        };
    }

    /** The two fronts list capabilities in their own order (JSON's array, proto's field numbers). */
    @Test
    void aKeyOfACapabilityNotListedImpliesIt() throws Exception {
        NodeSpec spec = CONFIGS.toNodeSpec(JSON.readTree("""
                {"type": "generic_node_image", "traffic_control": {"latencyMs": 100},
                 "mount_pairs": [["/src", "/dst"]], "rcp_mode": true}"""));
        assertEquals(java.util.Set.of("TrafficControl", "Mount", "Thread"), spec.capabilities().stream()
                .map(c -> c.name()).collect(java.util.stream.Collectors.toSet()));
        assertEquals(sorted(SPECS.toNodeSpec(DeviceSpecification.newBuilder().setDeviceType("generic_node_image")
                .setTrafficcontrolCapability(TrafficControlCapability.newBuilder().setLatencyMs(100))
                .setMountCapability(MountCapability.newBuilder()
                        .addMountPairs(MountPair.newBuilder().setHostPath("/src").setTargetPath("/dst")))
                .setThreadCapability(ThreadCapability.newBuilder().setRcpMode(true)).build())), sorted(spec));
    }

    @Test
    void anUnknownKeyIsRefusedNamingItAndTheKnownOnes() throws Exception {
        CirqueException e = org.junit.jupiter.api.Assertions.assertThrows(CirqueException.class,
                () -> CONFIGS.toTopology(JSON.readTree("""
                        {"a": {"type": "generic_node_image", "rcp_mod": true, "trafic_control": {"latencyMs": 100}}}""")));
        assertEquals(CirqueException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("unknown key \"rcp_mod\"") && e.getMessage().contains("trafic_control")
                && e.getMessage().contains("rcp_mode") && e.getMessage().contains("device 'a'"), e.getMessage());
        CirqueException inner = org.junit.jupiter.api.Assertions.assertThrows(CirqueException.class,
                () -> CONFIGS.toNodeSpec(JSON.readTree("""
                        {"type": "t", "traffic_control": {"latency": 100}}""")));
        assertTrue(inner.getMessage().contains("unknown key \"traffic_control.latency\"")
                && inner.getMessage().contains("latencyMs"), inner.getMessage());
        // Cirque's leniency, when the daemon is told to keep it: the key is ignored.
        DeviceConfigs lenient = new DeviceConfigs(REGISTRY.wireForms(), true);
        assertEquals(List.of(), lenient.toNodeSpec(JSON.readTree("""
                {"type": "t", "rcp_mod": true}""")).capabilities());
    }

    private static NodeSpec sorted(NodeSpec spec) {
        return spec.withCapabilities(spec.capabilities().stream()
                .sorted((a, b) -> a.name().compareTo(b.name())).toList());
    }
}
