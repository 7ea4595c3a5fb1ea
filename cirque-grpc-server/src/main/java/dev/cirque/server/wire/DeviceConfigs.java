package dev.cirque.server.wire;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.home.HomeNetwork;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.core.space.Position;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates Cirque's JSON device config (what the Matter harness POSTs to
 * {@code /create_home}) to the core's {@link NodeSpec} and back, and a node to Cirque's
 * JSON device state. Which flat keys carry which capability's parameters is each
 * provider's to say ({@link WireForm#jsonKeys()}); a capability without keys of its own
 * takes its parameters from {@code capability_params.<name>}. Nothing here names a
 * capability.
 *
 * <p>Nothing is dropped without a word: a key of a capability the config does not list
 * implies that capability (as a device type implies its own), and a key cirque does not
 * know is refused, naming it and the known keys, unless the daemon was told to take
 * Cirque's old leniency ({@value #IGNORE_UNKNOWN_KEYS}): then it is ignored and logged.
 */
public final class DeviceConfigs {

    private static final Logger log = LoggerFactory.getLogger(DeviceConfigs.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final Set<String> BASE_KEYS = Set.of("type", "base_image", "capability", "capability_params",
            "docker_network", "position");

    /** The host setting that takes configs with unknown keys, ignoring those keys. */
    public static final String IGNORE_UNKNOWN_KEYS = "config.ignore-unknown-keys";

    private final Map<String, WireForm> forms;
    private final ConfigKeys keys;

    public DeviceConfigs(Map<String, WireForm> forms, boolean ignoreUnknown) {
        this.forms = Map.copyOf(forms);
        this.keys = new ConfigKeys(BASE_KEYS, forms.values(), ignoreUnknown);
    }

    public DeviceConfigs(Map<String, WireForm> forms) {
        this(forms, false);
    }

    public DeviceConfigs(CapabilityRegistry registry) {
        this(registry.wireForms(), registry.host().setting(IGNORE_UNKNOWN_KEYS).isPresent());
    }

    /** A topology: the JSON object of {@code /create_home}, key by key. */
    public Map<String, NodeSpec> toTopology(JsonNode body) {
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

    public NodeSpec toNodeSpec(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw CirqueException.invalid("a device config must be a JSON object with at least \"type\"");
        }
        keys.check(config);
        String type = text(config, "type");
        if (type == null || type.isBlank()) {
            throw CirqueException.invalid("device config needs \"type\" (e.g. \"generic_node_image\")");
        }
        Set<String> names = new LinkedHashSet<>(capabilityNames(config));
        forms.forEach((name, form) -> {
            if (form.deviceTypes().containsKey(type)) {
                names.add(name); // its keys are read as if it were listed
            }
        });
        forms.forEach((name, form) -> {
            for (JsonKey key : form.jsonKeys()) {
                if (names.contains(name) || lookup(config, key.path()).isMissingNode()) {
                    continue;
                }
                if (key.strict()) {
                    throw CirqueException.invalid("\"" + key.path() + "\" is for devices with capability " + name
                            + (form.deviceTypes().isEmpty() ? "" : " (type " + String.join(" or ",
                                    form.deviceTypes().keySet()) + ")"));
                }
                // Its key says what is meant: the capability comes with it rather than the key being dropped.
                log.info("device config: \"{}\" implies capability {}", key.path(), name);
                names.add(name);
            }
        });
        List<CapabilityRequest> caps = new ArrayList<>();
        for (String name : names) {
            caps.add(new CapabilityRequest(name, params(name, config)));
        }
        return new NodeSpec(type, Optional.ofNullable(text(config, "base_image")).orElse(""), caps,
                NetworkKind.fromWireName(text(config, "docker_network"))).at(position(config.get("position")));
    }

    /** {@code "position": [x, y, z?]} in metres; null where absent. */
    private static Position position(JsonNode p) {
        if (p == null || p.isNull()) {
            return null;
        }
        List<Double> xyz = new ArrayList<>();
        p.forEach(v -> {
            if (!v.isNumber()) {
                throw CirqueException.invalid("\"position\" is [x, y] or [x, y, z] in metres, got " + p);
            }
            xyz.add(v.asDouble());
        });
        if (!p.isArray()) {
            throw CirqueException.invalid("\"position\" is [x, y] or [x, y, z] in metres, got " + p);
        }
        return Position.of(xyz);
    }

    /** The JSON device config that means {@code spec}: the inverse of {@link #toNodeSpec}. */
    public ObjectNode toConfig(NodeSpec spec) {
        ObjectNode config = JSON.createObjectNode();
        config.put("type", spec.deviceType());
        if (!spec.baseImage().isEmpty()) {
            config.put("base_image", spec.baseImage());
        }
        if (spec.network() != NetworkKind.LAN) {
            config.put("docker_network", spec.network().wireName());
        }
        if (spec.position() != null) {
            config.set("position", JSON.valueToTree(spec.position().toList()));
        }
        ArrayNode listed = config.putArray("capability");
        for (CapabilityRequest c : spec.capabilities()) {
            listed.add(c.name());
            WireForm form = forms.getOrDefault(c.name(), WireForm.plugin());
            Map<String, Object> rest = new LinkedHashMap<>(c.params());
            for (JsonKey key : form.jsonKeys()) {
                Object value = rest.remove(key.param());
                if (value != null) {
                    put(config, key, value);
                }
            }
            if (!rest.isEmpty()) {
                config.withObjectProperty("capability_params").set(c.name(), JSON.valueToTree(rest));
            }
        }
        return config;
    }

    /** Cirque's JSON device state. */
    public static ObjectNode toState(ObjectMapper json, Node node) {
        ObjectNode state = json.createObjectNode();
        state.put("id", node.id());
        state.put("name", node.name());
        state.put("type", node.spec().deviceType());
        state.put("base_image", node.spec().image());
        state.set("capability", json.valueToTree(node.capabilityDescriptions()));
        state.put("state", node.state().wireName());
        if (node.state() != Node.State.RUNNING) {
            state.put("exit_code", node.exitCode());
        }
        ObjectNode description = state.putObject("description");
        description.put("ipv4_addr", node.ipv4());
        if (!node.ipv6().isEmpty()) {
            description.put("ipv6_addr", node.ipv6());
        }
        node.deviceFields().forEach(description::put);
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

    /** A capability's parameters: from its own flat keys, then from {@code capability_params.<name>}. */
    private Map<String, Object> params(String capability, JsonNode config) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (JsonKey key : forms.getOrDefault(capability, WireForm.plugin()).jsonKeys()) {
            JsonNode v = lookup(config, key.path());
            if (!v.isMissingNode() && !v.isNull()) {
                p.put(key.param(), read(key, v));
            }
        }
        JsonNode own = config.path("capability_params").path(capability);
        if (!own.isMissingNode() && !own.isNull()) {
            if (!own.isObject()) {
                throw CirqueException.invalid("capability_params." + capability + " must be an object");
            }
            p.putAll(JSON.convertValue(own, MAP));
        }
        return p;
    }

    /** The value at {@code a} or {@code a.b}; a present {@code a} that is no object is an error. */
    private static JsonNode lookup(JsonNode config, String path) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            return config.path(path);
        }
        String outer = path.substring(0, dot);
        JsonNode object = config.path(outer);
        if (object.isMissingNode() || object.isNull()) {
            return object;
        }
        if (!object.isObject()) {
            throw CirqueException.invalid("\"" + outer + "\" must be an object, e.g. {\"" + path.substring(dot + 1)
                    + "\": ...}");
        }
        return object.path(path.substring(dot + 1));
    }

    private static Object read(JsonKey key, JsonNode v) {
        String name = "\"" + key.path() + "\"";
        return switch (key.type()) {
            case BOOL -> {
                if (!v.isBoolean()) {
                    throw CirqueException.invalid(name + " must be true or false, got " + v);
                }
                yield v.asBoolean();
            }
            case INT -> {
                if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                    throw CirqueException.invalid(name + " must be an integer, got " + v);
                }
                yield v.asLong();
            }
            case STRING -> {
                if (!v.isTextual()) {
                    throw CirqueException.invalid(name + " must be a string, got " + v);
                }
                yield v.asText();
            }
            case STRINGS -> {
                List<Object> out = new ArrayList<>();
                if (!v.isArray()) {
                    throw CirqueException.invalid(name + " must be an array of strings, got " + v);
                }
                for (JsonNode item : v) {
                    if (!item.isTextual()) {
                        throw CirqueException.invalid(name + " must be an array of strings, got " + v);
                    }
                    out.add(item.asText());
                }
                yield out;
            }
            case PAIRS -> {
                List<Object> out = new ArrayList<>();
                if (!v.isArray()) {
                    throw CirqueException.invalid(name + " must be [[" + key.pair().get(0) + ", " + key.pair().get(1)
                            + "], ...]");
                }
                for (JsonNode pair : v) {
                    if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isTextual()) {
                        throw CirqueException.invalid("each of " + name + " must be [" + key.pair().get(0) + ", "
                                + key.pair().get(1) + "], got " + pair);
                    }
                    out.add(Map.of(key.pair().get(0), pair.get(0).asText(), key.pair().get(1), pair.get(1).asText()));
                }
                yield out;
            }
        };
    }

    /** Writes a parameter back under its JSON key (the inverse of {@link #read}). */
    private static void put(ObjectNode config, JsonKey key, Object value) {
        int dot = key.path().indexOf('.');
        ObjectNode target = dot < 0 ? config : config.withObjectProperty(key.path().substring(0, dot));
        String leaf = dot < 0 ? key.path() : key.path().substring(dot + 1);
        if (key.type() == JsonKey.Type.PAIRS) {
            ArrayNode pairs = target.putArray(leaf);
            for (Object item : (List<?>) value) {
                Map<?, ?> m = (Map<?, ?>) item;
                pairs.addArray().add(String.valueOf(m.get(key.pair().get(0)))).add(String.valueOf(m.get(key.pair().get(1))));
            }
        } else {
            target.set(leaf, JSON.valueToTree(value));
        }
    }

    private static String text(JsonNode config, String key) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw CirqueException.invalid("\"" + key + "\" must be a string, got " + v);
        }
        return v.asText();
    }
}
