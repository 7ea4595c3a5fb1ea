package dev.cirque.server.wire;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.core.space.Position;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.DeviceDescription;
import dev.cirque.proto.DeviceSpecification;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates between the wire's {@link DeviceSpecification} and the core's {@link NodeSpec}.
 * Which field carries which capability is each provider's to say ({@link WireForm}); the
 * parameters are carried by their proto field names, read through the message
 * descriptors, so nothing here names a capability.
 */
public final class DeviceSpecs {

    /** Capability names by the DeviceSpecification field that carries them. */
    private final Map<String, String> capabilityByField = new LinkedHashMap<>();

    public DeviceSpecs(Map<String, WireForm> forms) {
        forms.forEach((name, form) -> form.protoFieldName().ifPresent(field -> {
            FieldDescriptor fd = DeviceSpecification.getDescriptor().findFieldByName(field);
            if (fd == null || fd.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                throw new IllegalStateException("capability " + name + " names DeviceSpecification field '" + field
                        + "', which is not a message field of it: add the field to device.proto");
            }
            capabilityByField.put(field, name);
        }));
    }

    public DeviceSpecs(CapabilityRegistry registry) {
        this(registry.wireForms());
    }

    public NodeSpec toNodeSpec(DeviceSpecification spec) {
        List<CapabilityRequest> caps = new ArrayList<>();
        for (OneofDescriptor oneof : DeviceSpecification.getDescriptor().getOneofs()) {
            FieldDescriptor set = spec.getOneofFieldDescriptor(oneof);
            if (set == null) {
                continue;
            }
            String name = capabilityByField.get(set.getName());
            if (name == null) {
                throw CirqueException.invalid("unsupported capability field " + set.getName()
                        + ": this daemon has no capability carried in it");
            }
            caps.add(new CapabilityRequest(name, toMap((Message) spec.getField(set))));
        }
        spec.getExtraCapabilitiesMap().forEach((name, params) -> {
            if (capabilityByField.containsValue(name)) {
                throw CirqueException.invalid("capability " + name + " has its own field in DeviceSpecification;"
                        + " extra_capabilities is for plugins");
            }
            caps.add(new CapabilityRequest(name, structToMap(params)));
        });
        return new NodeSpec(spec.getDeviceType(), spec.getBaseImage(), caps,
                NetworkKind.fromWireName(spec.getDockerNetwork())).at(spec.hasPosition() ? new Position(
                        spec.getPosition().getX(), spec.getPosition().getY(), spec.getPosition().getZ()) : null);
    }

    /** The specification as the client gave it (re-encoded from the node's spec). */
    public DeviceSpecification toProto(NodeSpec spec) {
        DeviceSpecification.Builder b = DeviceSpecification.newBuilder()
                .setDeviceType(spec.deviceType())
                .setBaseImage(spec.baseImage())
                .setDockerNetwork(spec.network().wireName());
        if (spec.position() != null) {
            b.setPosition(dev.cirque.proto.Position.newBuilder().setX(spec.position().x()).setY(spec.position().y())
                    .setZ(spec.position().z()));
        }
        for (CapabilityRequest c : spec.capabilities()) {
            String field = fieldOf(c.name());
            if (field == null) {
                b.putExtraCapabilities(c.name(), mapToStruct(c.params()));
                continue;
            }
            FieldDescriptor fd = DeviceSpecification.getDescriptor().findFieldByName(field);
            Message.Builder cap = b.newBuilderForField(fd);
            fromMap(cap, c.params());
            b.setField(fd, cap.build());
        }
        return b.build();
    }

    private String fieldOf(String capability) {
        for (Map.Entry<String, String> e : capabilityByField.entrySet()) {
            if (e.getValue().equals(capability)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * The node as the wire shows it. What never changes is rendered once per node (listing is
     * a hot path); capability descriptions, which can change (a radio that exits), are added
     * on each call, and only for nodes that have capabilities.
     */
    public CirqueDevice toDevice(Node node) {
        CirqueDevice fixed = node.view(CirqueDevice.class, this::render);
        Map<String, Map<String, Object>> described = node.capabilityDescriptions();
        if (described.isEmpty()) {
            return fixed;
        }
        CirqueDevice.Builder b = fixed.toBuilder();
        DeviceDescription.Builder d = b.getDeviceDescriptionBuilder();
        described.forEach((name, desc) -> d.putCapabilities(name, mapToStruct(desc)));
        // Cirque's own description fields a capability fills (an access point's ssid and psk).
        node.deviceFields().forEach((field, value) -> {
            FieldDescriptor fd = DeviceDescription.getDescriptor().findFieldByName(field);
            if (fd != null && fd.getJavaType() == FieldDescriptor.JavaType.STRING && !fd.isRepeated()) {
                d.setField(fd, value);
            }
        });
        return b.build();
    }

    private CirqueDevice render(Node node) {
        CirqueDevice built = CirqueDevice.newBuilder()
                .setDeviceId(node.id())
                .setDeviceName(node.name())
                .setDeviceSpecification(toProto(node.spec()))
                .setDeviceDescription(DeviceDescription.newBuilder()
                        .setIpv4Addr(node.ipv4())
                        .setIpv6Addr(node.ipv6())
                        .setState(node.state().wireName())
                        .setExitCode(node.state() == Node.State.RUNNING ? 0 : node.exitCode()))
                .build();
        // Kept as parsed from its bytes: a parsed message holds its strings as UTF-8 bytes and
        // writes them as they are, where a built one encodes every string on every answer (the
        // largest single cost of a list, by profile).
        try {
            return CirqueDevice.parseFrom(built.toByteString());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("a message this process built does not parse", e);
        }
    }

    public static Map<String, Object> structToMap(Struct struct) {
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

    public static Struct mapToStruct(Map<String, Object> map) {
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
