package dev.cirque.server.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.cirque.core.CirqueException;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceDescription;
import dev.cirque.proto.DeviceSpecification;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates between the wire's {@link DeviceSpecification} and the core's {@link NodeSpec}.
 * Capability parameters are carried by their proto field names, read through the message
 * descriptors, so a field added to a capability message reaches its plugin with no change
 * here.
 */
public final class DeviceSpecs {

    /** Contract capability names by the name of their field in DeviceSpecification. */
    private static final Map<String, String> CAPABILITY_FIELDS = Map.of(
            "weave_capability", "Weave",
            "thread_capability", "Thread",
            "wifi_capability", "WiFi",
            "xvnc_capability", "Xvnc",
            "interactive_capability", "Interactive",
            "lan_access_capability", "LanAccess",
            "mount_capability", "Mount",
            "trafficcontrol_capability", "TrafficControl",
            "wifi_ap_capability", NodeSpec.ACCESS_POINT);

    private DeviceSpecs() {}

    public static NodeSpec toNodeSpec(DeviceSpecification spec) {
        List<CapabilityRequest> caps = new ArrayList<>();
        for (OneofDescriptor oneof : DeviceSpecification.getDescriptor().getOneofs()) {
            FieldDescriptor set = spec.getOneofFieldDescriptor(oneof);
            if (set == null) {
                continue;
            }
            String name = CAPABILITY_FIELDS.get(set.getName());
            if (name == null) {
                throw CirqueException.invalid("unsupported capability field " + set.getName());
            }
            caps.add(new CapabilityRequest(name, toMap((Message) spec.getField(set))));
        }
        spec.getExtraCapabilitiesMap().forEach((name, params) -> {
            if (CAPABILITY_FIELDS.containsValue(name)) {
                throw CirqueException.invalid("capability " + name + " has its own field in DeviceSpecification;"
                        + " extra_capabilities is for plugins");
            }
            caps.add(new CapabilityRequest(name, structToMap(params)));
        });
        return new NodeSpec(spec.getDeviceType(), spec.getBaseImage(), caps,
                NetworkKind.fromWireName(spec.getDockerNetwork()));
    }

    /** The specification as the client gave it (re-encoded from the node's spec). */
    public static DeviceSpecification toProto(NodeSpec spec) {
        DeviceSpecification.Builder b = DeviceSpecification.newBuilder()
                .setDeviceType(spec.deviceType())
                .setBaseImage(spec.baseImage())
                .setDockerNetwork(spec.network().wireName());
        for (CapabilityRequest c : spec.capabilities()) {
            if (!CAPABILITY_FIELDS.containsValue(c.name())) {
                b.putExtraCapabilities(c.name(), mapToStruct(c.params()));
                continue;
            }
            CAPABILITY_FIELDS.forEach((field, name) -> {
                if (name.equals(c.name())) {
                    FieldDescriptor fd = DeviceSpecification.getDescriptor().findFieldByName(field);
                    Message.Builder cap = b.newBuilderForField(fd);
                    fromMap(cap, c.params());
                    b.setField(fd, cap.build());
                }
            });
        }
        return b.build();
    }

    /**
     * The node as the wire shows it. What never changes is rendered once per node (listing is
     * a hot path); capability descriptions, which can change (a radio that exits), are added
     * on each call, and only for nodes that have capabilities.
     */
    static CirqueDevice toDevice(Node node) {
        CirqueDevice fixed = node.view(CirqueDevice.class, DeviceSpecs::render);
        Map<String, Map<String, Object>> described = node.capabilityDescriptions();
        if (described.isEmpty()) {
            return fixed;
        }
        CirqueDevice.Builder b = fixed.toBuilder();
        described.forEach((name, d) -> b.getDeviceDescriptionBuilder().putCapabilities(name, mapToStruct(d)));
        Map<String, Object> ap = described.get(NodeSpec.ACCESS_POINT);
        if (ap != null) { // Cirque's own description fields for an access point
            b.getDeviceDescriptionBuilder().setSsid(String.valueOf(ap.getOrDefault("ssid", "")))
                    .setPsk(String.valueOf(ap.getOrDefault("psk", "")));
        }
        return b.build();
    }

    private static CirqueDevice render(Node node) {
        return CirqueDevice.newBuilder()
                .setDeviceId(node.id())
                .setDeviceName(node.name())
                .setDeviceSpecification(toProto(node.spec()))
                .setDeviceDescription(DeviceDescription.newBuilder()
                        .setIpv4Addr(node.ipv4())
                        .setIpv6Addr(node.ipv6()))
                .build();
    }

    static Map<String, Object> structToMap(Struct struct) {
        Map<String, Object> out = new LinkedHashMap<>();
        struct.getFieldsMap().forEach((k, v) -> out.put(k, plain(v)));
        return out;
    }

    private static Object plain(Value v) {
        return switch (v.getKindCase()) {
            case BOOL_VALUE -> v.getBoolValue();
            case NUMBER_VALUE -> v.getNumberValue();
            case STRING_VALUE -> v.getStringValue();
            case LIST_VALUE -> v.getListValue().getValuesList().stream().map(DeviceSpecs::plain).toList();
            case STRUCT_VALUE -> structToMap(v.getStructValue());
            default -> null;
        };
    }

    static Struct mapToStruct(Map<String, Object> map) {
        Struct.Builder b = Struct.newBuilder();
        map.forEach((k, v) -> b.putFields(k, value(v)));
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private static Value value(Object o) {
        if (o instanceof Boolean bool) {
            return Value.newBuilder().setBoolValue(bool).build();
        }
        if (o instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        if (o instanceof List<?> l) {
            return Value.newBuilder().setListValue(ListValue.newBuilder()
                    .addAllValues(l.stream().map(DeviceSpecs::value).toList())).build();
        }
        if (o instanceof Map<?, ?> m) {
            return Value.newBuilder().setStructValue(mapToStruct((Map<String, Object>) m)).build();
        }
        return Value.newBuilder().setStringValue(String.valueOf(o)).build();
    }

    /** Every field of a message, defaults included, as plain values keyed by field name. */
    static Map<String, Object> toMap(Message message) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (FieldDescriptor fd : message.getDescriptorForType().getFields()) {
            Object value = message.getField(fd);
            if (fd.isRepeated()) {
                List<Object> items = new ArrayList<>();
                for (Object item : (List<?>) value) {
                    items.add(plain(fd, item));
                }
                out.put(fd.getName(), items);
            } else {
                out.put(fd.getName(), plain(fd, value));
            }
        }
        return out;
    }

    private static Object plain(FieldDescriptor fd, Object value) {
        return switch (fd.getJavaType()) {
            case INT, LONG -> ((Number) value).longValue();
            case MESSAGE -> toMap((Message) value);
            case ENUM -> value.toString();
            default -> value;
        };
    }

    private static void fromMap(Message.Builder builder, Map<String, Object> values) {
        for (FieldDescriptor fd : builder.getDescriptorForType().getFields()) {
            Object value = values.get(fd.getName());
            if (value == null) {
                continue;
            }
            if (fd.isRepeated()) {
                for (Object item : (List<?>) value) {
                    builder.addRepeatedField(fd, wire(builder, fd, item));
                }
            } else {
                builder.setField(fd, wire(builder, fd, value));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Object wire(Message.Builder parent, FieldDescriptor fd, Object value) {
        return switch (fd.getJavaType()) {
            case INT -> ((Number) value).intValue();
            case LONG -> ((Number) value).longValue();
            case MESSAGE -> {
                Message.Builder nested = parent.newBuilderForField(fd);
                fromMap(nested, (Map<String, Object>) value);
                yield nested.build();
            }
            default -> value;
        };
    }
}
