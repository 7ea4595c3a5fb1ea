package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkModel;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The link API over HTTP (a cirque-java extension), the JSON face of the gRPC calls:
 * <ul>
 *   <li>{@code GET /links/{home}?medium=ip}: the home's conditions;
 *   <li>{@code POST /links/{home}} {@code {"from", "to"?, "latencyMs", "jitterMs", "loss",
 *       "down", "signalDbm"?, "bothWays", "clear"}}: a node's egress (no {@code to}) or a directed link's own;
 *   <li>{@code POST /links/{home}/partition} {@code {"name", "devices": [...]}};
 *   <li>{@code POST /links/{home}/heal} {@code {"name"?}} (no name: every partition and link);
 *   <li>{@code POST /links/{home}/seed} {@code {"seed"?}}: every medium's draws seeded (no seed: unseeded).
 * </ul>
 * Each answers the medium's conditions after the change; keys it does not know are refused.
 * The rules are core's ({@link dev.cirque.core.home.HomeLinks}); this translates JSON only.
 */
final class LinkRoutes {

    private static final Set<String> SET_KEYS = Set.of("medium", "from", "to", "latencyMs", "jitterMs", "loss", "down",
            "signalDbm", "bothWays", "clear");
    private static final Set<String> PARTITION_KEYS = Set.of("medium", "name", "devices");
    private static final Set<String> HEAL_KEYS = Set.of("medium", "name");
    private static final Set<String> SEED_KEYS = Set.of("seed");

    private final HomeService homes;
    private final ObjectMapper json;

    LinkRoutes(HomeService homes, ObjectMapper json) {
        this.homes = homes;
        this.json = json;
    }

    JsonNode get(String home, String medium) {
        return json.valueToTree(homes.links().read(home, medium).describe());
    }

    JsonNode post(String home, String action, JsonNode body) {
        LinkModel.Snapshot after = switch (action) {
            case "" -> {
                only(body, SET_KEYS);
                Optional<LinkConditions> c = bool(body, "clear") ? Optional.empty()
                        : Optional.of(new LinkConditions(integer(body, "latencyMs"), integer(body, "jitterMs"),
                                number(body, "loss"), !bool(body, "down"),
                                body.hasNonNull("signalDbm") ? integer(body, "signalDbm") : null));
                yield homes.links().set(home, text(body, "medium"), text(body, "from"), text(body, "to"), c,
                        bool(body, "bothWays"));
            }
            case "partition" -> {
                only(body, PARTITION_KEYS);
                JsonNode devices = body.path("devices");
                if (!devices.isArray()) {
                    throw CirqueException.invalid("\"devices\" must be an array of device ids");
                }
                Set<String> members = new LinkedHashSet<>();
                devices.forEach(d -> members.add(d.asText()));
                yield homes.links().cut(home, text(body, "medium"), text(body, "name"), members);
            }
            case "heal" -> {
                only(body, HEAL_KEYS);
                yield homes.links().healed(home, text(body, "medium"), text(body, "name"));
            }
            case "seed" -> {
                only(body, SEED_KEYS);
                JsonNode seed = body.path("seed");
                if (!seed.isMissingNode() && !seed.isNull() && (!seed.isIntegralNumber() || !seed.canConvertToLong())) {
                    throw CirqueException.invalid("\"seed\" must be an integer (a 64-bit one), got " + seed);
                }
                yield homes.links().seeded(home, seed.isMissingNode() || seed.isNull() ? null : seed.asLong());
            }
            default -> throw CirqueException.notFound("no route /links/" + home + "/" + action
                    + ": use /links/{home}, /links/{home}/partition, /links/{home}/heal or /links/{home}/seed");
        };
        return json.valueToTree(after.describe());
    }

    private static void only(JsonNode body, Set<String> keys) {
        HttpRequests.onlyKeys(body, keys);
    }

    private static String text(JsonNode body, String key) {
        JsonNode v = body.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw CirqueException.invalid("\"" + key + "\" must be a string, got " + v);
        }
        return v.asText();
    }

    private static boolean bool(JsonNode body, String key) {
        JsonNode v = body.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw CirqueException.invalid("\"" + key + "\" must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static int integer(JsonNode body, String key) {
        JsonNode v = body.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw CirqueException.invalid("\"" + key + "\" must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static double number(JsonNode body, String key) {
        JsonNode v = body.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return 0;
        }
        if (!v.isNumber()) {
            throw CirqueException.invalid("\"" + key + "\" must be a number, got " + v);
        }
        return v.asDouble();
    }
}
