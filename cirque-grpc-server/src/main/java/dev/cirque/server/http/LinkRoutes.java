package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeService;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SeedLinksRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.server.grpc.LinkMessages;
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
 * Each answers the home's conditions after the change; keys it does not know are refused.
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
        return json.valueToTree(homes.links().read(home, LinkMessages.medium(medium)).describe());
    }

    JsonNode post(String home, String action, JsonNode body) {
        String medium;
        switch (action) {
            case "" -> {
                only(body, SET_KEYS);
                SetLinkConditionsRequest.Builder r = SetLinkConditionsRequest.newBuilder().setHomeId(home)
                        .setMedium(text(body, "medium")).setFromDeviceId(text(body, "from"))
                        .setToDeviceId(text(body, "to")).setBothWays(bool(body, "bothWays"));
                if (!bool(body, "clear")) {
                    LinkConditions.Builder c = LinkConditions.newBuilder().setLatencyMs(integer(body, "latencyMs"))
                            .setJitterMs(integer(body, "jitterMs")).setLossPercent(number(body, "loss"))
                            .setDown(bool(body, "down"));
                    if (body.hasNonNull("signalDbm")) {
                        c.setSignalDbm(integer(body, "signalDbm"));
                    }
                    r.setConditions(c);
                }
                medium = LinkMessages.set(homes, r.build()).getMedium();
            }
            case "partition" -> {
                only(body, PARTITION_KEYS);
                PartitionRequest.Builder r = PartitionRequest.newBuilder().setHomeId(home)
                        .setMedium(text(body, "medium")).setName(text(body, "name"));
                JsonNode devices = body.path("devices");
                if (!devices.isArray()) {
                    throw CirqueException.invalid("\"devices\" must be an array of device ids");
                }
                devices.forEach(d -> r.addDeviceIds(d.asText()));
                medium = LinkMessages.partition(homes, r.build()).getMedium();
            }
            case "heal" -> {
                only(body, HEAL_KEYS);
                medium = LinkMessages.heal(homes, HealRequest.newBuilder().setHomeId(home)
                        .setMedium(text(body, "medium")).setName(text(body, "name")).build()).getMedium();
            }
            case "seed" -> {
                only(body, SEED_KEYS);
                JsonNode seed = body.path("seed");
                SeedLinksRequest.Builder r = SeedLinksRequest.newBuilder().setHomeId(home);
                if (!seed.isMissingNode() && !seed.isNull()) {
                    if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
                        throw CirqueException.invalid("\"seed\" must be an integer (a 64-bit one), got " + seed);
                    }
                    r.setSeed(seed.asLong());
                }
                medium = LinkMessages.seed(homes, r.build()).getMedium();
            }
            default -> throw CirqueException.notFound("no route /links/" + home + "/" + action
                    + ": use /links/{home}, /links/{home}/partition, /links/{home}/heal or /links/{home}/seed");
        }
        return get(home, medium);
    }

    private static void only(JsonNode body, Set<String> keys) {
        if (!body.isObject()) {
            throw CirqueException.invalid("the body must be a JSON object with " + keys);
        }
        body.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                throw CirqueException.invalid("unknown key \"" + k + "\": use " + keys);
            }
        });
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
