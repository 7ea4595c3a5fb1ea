package dev.cirque.server.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeNetwork;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates Cirque's JSON device config (what the Matter harness POSTs to
 * {@code /create_home}) to the core's {@link NodeSpec}, with capability parameters under
 * the same proto field names the gRPC front uses, and a node back to Cirque's JSON
 * device state.
 */
public final class DeviceConfigs {

    private static final Logger log = LoggerFactory.getLogger(DeviceConfigs.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private static final Set<String> KNOWN_KEYS = Set.of("type", "base_image", "capability", "capability_params", "rcp_mode",
            "thread_petition", "docker_network", "traffic_control", "mount_pairs", "weave_config_file",
            "weave_config_target_path", "xvnc_localhost", "display_id", "docker_display_id", "ssid", "psk");

    private DeviceConfigs() {}

    /** A topology: the JSON object of {@code /create_home}, key by key. */
    public static Map<String, NodeSpec> toTopology(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw CirqueException.invalid("the topology must be a JSON object of device configs, e.g."
                    + " {\"device0\": {\"type\": \"generic_node_image\"}}");
        }
        Map<String, NodeSpec> topology = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            try {
                topology.put(e.getKey(), toNodeSpec(e.getValue()));
            } catch (CirqueException ex) {
                throw ex.forDevice(e.getKey());
            }
        }
        return topology;
    }

    public static NodeSpec toNodeSpec(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw CirqueException.invalid("a device config must be a JSON object with at least \"type\"");
        }
        config.fieldNames().forEachRemaining(k -> {
            if (!KNOWN_KEYS.contains(k)) {
                log.warn("device config key '{}' is not one cirque knows; ignored", k);
            }
        });
        String type = text(config, "type", null);
        if (type == null || type.isBlank()) {
            throw CirqueException.invalid("device config needs \"type\" (e.g. \"generic_node_image\")");
        }
        NetworkKind network = NetworkKind.fromWireName(text(config, "docker_network", null));
        List<CapabilityRequest> caps = new ArrayList<>();
        for (String name : capabilityNames(config)) {
            caps.add(new CapabilityRequest(name, params(name, config)));
        }
        if (config.has("ssid") || config.has("psk")) {
            // An access point's chosen credentials (cirque-java extension; absent = generated).
            if (!type.equals(NodeSpec.WIFI_AP) && caps.stream().noneMatch(c -> c.name().equals(NodeSpec.ACCESS_POINT))) {
                throw CirqueException.invalid("\"ssid\" and \"psk\" are for access points (\"type\": \"wifi_ap\")");
            }
            caps.removeIf(c -> c.name().equals(NodeSpec.ACCESS_POINT));
            caps.add(new CapabilityRequest(NodeSpec.ACCESS_POINT, params(NodeSpec.ACCESS_POINT, config)));
        }
        return new NodeSpec(type, text(config, "base_image", ""), caps, network);
    }

    /** Cirque's JSON device state. */
    public static ObjectNode toState(ObjectMapper json, Node node) {
        ObjectNode state = json.createObjectNode();
        state.put("id", node.id());
        state.put("name", node.name());
        state.put("type", node.spec().deviceType());
        state.put("base_image", node.spec().image());
        state.set("capability", json.valueToTree(node.capabilityDescriptions()));
        ObjectNode description = state.putObject("description");
        description.put("ipv4_addr", node.ipv4());
        if (!node.ipv6().isEmpty()) {
            description.put("ipv6_addr", node.ipv6());
        }
        accessPoint(node).ifPresent(ap -> {
            description.put("ssid", ap.get(0));
            description.put("psk", ap.get(1));
        });
        HomeNetwork network = node.network();
        ObjectNode net = description.putObject("docker_network");
        net.put("kind", network.kind() == NetworkKind.LAN ? "lan" : network.kind().wireName());
        net.put("name", network.name());
        net.put("driver", network.driver());
        if (!network.note().isEmpty()) {
            net.put("note", network.note());
        }
        return state;
    }

    /** An access point's {@code [ssid, psk]}; empty for other nodes. */
    public static Optional<List<String>> accessPoint(Node node) {
        Map<String, Object> ap = node.capabilityDescriptions().get(NodeSpec.ACCESS_POINT);
        if (ap == null) {
            return Optional.empty();
        }
        return Optional.of(List.of(String.valueOf(ap.getOrDefault("ssid", "")), String.valueOf(ap.getOrDefault("psk", ""))));
    }

    private static List<String> capabilityNames(JsonNode config) {
        JsonNode list = config.get("capability");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw CirqueException.invalid("\"capability\" must be an array of names, e.g. [\"Interactive\"]");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode n : list) {
            if (!n.isTextual() || n.asText().isBlank()) {
                throw CirqueException.invalid("\"capability\" holds names, e.g. \"Interactive\"; got " + n);
            }
            names.add(n.asText()); // whether the daemon has it is the capability registry's to say
        }
        return names;
    }

    /** The capability's parameters, from the config's flat keys, under their proto field names. */
    private static Map<String, Object> params(String capability, JsonNode config) {
        Map<String, Object> p = new LinkedHashMap<>();
        switch (capability) {
            case "Thread" -> {
                putInt(p, "petition_id", config, "thread_petition");
                putBool(p, "rcp_mode", config, "rcp_mode");
            }
            case "TrafficControl" -> {
                JsonNode tc = config.get("traffic_control");
                if (tc != null && !tc.isNull()) {
                    if (!tc.isObject()) {
                        throw CirqueException.invalid("\"traffic_control\" must be an object like"
                                + " {\"latencyMs\": 100, \"loss\": 5}");
                    }
                    putInt(p, "latency_ms", tc, "latencyMs");
                    putInt(p, "loss_rate", tc, "loss");
                }
            }
            case "Mount" -> p.put("mount_pairs", mountPairs(config.get("mount_pairs")));
            case "Weave" -> {
                putText(p, "weave_certificate_path", config, "weave_config_file");
                putText(p, "target_path", config, "weave_config_target_path");
            }
            case "Xvnc" -> {
                putBool(p, "localhost", config, "xvnc_localhost");
                putInt(p, "display_id", config, "display_id");
                putInt(p, "docker_display_id", config, "docker_display_id");
            }
            case "Interactive", "WiFi", "LanAccess" -> { } // no parameters in Cirque's JSON form
            case NodeSpec.ACCESS_POINT -> {
                putText(p, "ssid", config, "ssid");
                putText(p, "psk", config, "psk");
            }
            default -> {
                // A plugin's parameters: "capability_params": {"<name>": {...}}
                JsonNode own = config.path("capability_params").path(capability);
                if (!own.isMissingNode() && !own.isNull()) {
                    if (!own.isObject()) {
                        throw CirqueException.invalid("capability_params." + capability + " must be an object");
                    }
                    p.putAll(JSON.convertValue(own, MAP));
                }
            }
        }
        return p;
    }

    private static List<Object> mountPairs(JsonNode pairs) {
        List<Object> out = new ArrayList<>();
        if (pairs == null || pairs.isNull()) {
            return out;
        }
        if (!pairs.isArray()) {
            throw CirqueException.invalid("\"mount_pairs\" must be [[host_path, target_path], ...]");
        }
        for (JsonNode pair : pairs) {
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isTextual()) {
                throw CirqueException.invalid("each of \"mount_pairs\" must be [host_path, target_path], got " + pair);
            }
            out.add(Map.of("host_path", pair.get(0).asText(), "target_path", pair.get(1).asText()));
        }
        return out;
    }

    private static String text(JsonNode config, String key, String defaultValue) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) {
            return defaultValue;
        }
        if (!v.isTextual()) {
            throw CirqueException.invalid("\"" + key + "\" must be a string, got " + v);
        }
        return v.asText();
    }

    private static void putText(Map<String, Object> p, String field, JsonNode config, String key) {
        String v = text(config, key, null);
        if (v != null) {
            p.put(field, v);
        }
    }

    private static void putInt(Map<String, Object> p, String field, JsonNode config, String key) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw CirqueException.invalid("\"" + key + "\" must be an integer, got " + v);
        }
        p.put(field, v.asLong());
    }

    private static void putBool(Map<String, Object> p, String field, JsonNode config, String key) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isBoolean()) {
            throw CirqueException.invalid("\"" + key + "\" must be true or false, got " + v);
        }
        p.put(field, v.asBoolean());
    }
}
