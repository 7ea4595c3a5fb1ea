package dev.cirque.core.capability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a capability appears on each front, declared by its provider so that the fronts
 * stay generic: adding a capability touches its provider, its services line and its
 * proto field, nothing else.
 *
 * @param protoField  the field of {@code DeviceSpecification} holding its message (e.g.
 *                    {@code thread_capability}); empty for a plugin, which travels in
 *                    {@code extra_capabilities}
 * @param jsonKeys    the keys of Cirque's flat JSON device config that carry its parameters;
 *                    a plugin's parameters may also come as {@code capability_params.<name>}
 * @param deviceTypes device types that imply the capability, each with the image such a
 *                    node runs when the client names none (empty: the type names it)
 */
public record WireForm(String protoField, List<JsonKey> jsonKeys, Map<String, String> deviceTypes) {

    public WireForm {
        jsonKeys = List.copyOf(jsonKeys);
        deviceTypes = Map.copyOf(deviceTypes);
    }

    /** A plugin: no field of its own, parameters under {@code capability_params.<name>}. */
    public static WireForm plugin() {
        return new WireForm("", List.of(), Map.of());
    }

    /** A contract capability carried in {@code DeviceSpecification.<protoField>}. */
    public static WireForm proto(String protoField) {
        return new WireForm(protoField, List.of(), Map.of());
    }

    /** With these JSON keys as well. */
    public WireForm json(JsonKey... keys) {
        List<JsonKey> all = new ArrayList<>(jsonKeys);
        all.addAll(List.of(keys));
        return new WireForm(protoField, all, deviceTypes);
    }

    /** A node of {@code deviceType} has this capability whether asked or not, and runs {@code defaultImage}. */
    public WireForm impliedByDeviceType(String deviceType, String defaultImage) {
        Map<String, String> all = new LinkedHashMap<>(deviceTypes);
        all.put(deviceType, defaultImage);
        return new WireForm(protoField, jsonKeys, all);
    }

    public Optional<String> protoFieldName() {
        return protoField.isEmpty() ? Optional.empty() : Optional.of(protoField);
    }

    /**
     * One key of the JSON device config and the parameter it carries.
     *
     * @param path   the key, or {@code object.key} for a key inside an object (Cirque's
     *               {@code traffic_control.latencyMs})
     * @param param  the parameter's name: the capability message's proto field name
     * @param type   what the key holds
     * @param pair   for {@link Type#PAIRS}: the two fields each {@code [a, b]} pair fills
     * @param strict present on a device without the capability, it is an error rather than
     *               ignored (for keys no other use could explain)
     */
    public record JsonKey(String path, String param, Type type, List<String> pair, boolean strict) {

        public JsonKey {
            pair = List.copyOf(pair);
        }

        /** What a JSON key holds. */
        public enum Type { BOOL, INT, STRING, STRINGS, PAIRS }

        public static JsonKey bool(String path, String param) {
            return new JsonKey(path, param, Type.BOOL, List.of(), false);
        }

        public static JsonKey integer(String path, String param) {
            return new JsonKey(path, param, Type.INT, List.of(), false);
        }

        public static JsonKey string(String path, String param) {
            return new JsonKey(path, param, Type.STRING, List.of(), false);
        }

        public static JsonKey strings(String path, String param) {
            return new JsonKey(path, param, Type.STRINGS, List.of(), false);
        }

        /** {@code [[a, b], ...]} in JSON; a list of messages with fields {@code first}, {@code second} in the spec. */
        public static JsonKey pairs(String path, String param, String first, String second) {
            return new JsonKey(path, param, Type.PAIRS, List.of(first, second), false);
        }

        public JsonKey onlyWithItsCapability() {
            return new JsonKey(path, param, type, pair, true);
        }

        /** The top-level key of the device config it lives under. */
        public String topKey() {
            int dot = path.indexOf('.');
            return dot < 0 ? path : path.substring(0, dot);
        }
    }
}
