package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeSpace;
import dev.cirque.core.space.Position;
import dev.cirque.core.space.Propagation;
import dev.cirque.core.space.Wall;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Homes in space over HTTP (a cirque-java extension), the JSON face of the gRPC calls:
 * <ul>
 *   <li>{@code GET /space/{home}}: positions, walls, the propagation model, and each radio
 *       medium's modelled links with why (distance, walls, signal);
 *   <li>{@code POST /space/{home}/position/{device}} {@code {"position": [x, y, z] | null,
 *       "tx_power_dbm"?: dBm | null}};
 *   <li>{@code POST /space/{home}/plan} {@code {"walls": [[x1, y1, x2, y2, dB?], ...],
 *       "propagation"?: {"reference_loss_db", "exponent", "shadowing_sigma_db"}}}.
 * </ul>
 * Each answers the space after the change; keys it does not know are refused. The rules are
 * core's ({@link HomeSpace}); this translates JSON only.
 */
final class SpaceRoutes {

    private static final Set<String> POSITION_KEYS = Set.of("position", "tx_power_dbm");
    private static final Set<String> PLAN_KEYS = Set.of("walls", "propagation");
    private static final Set<String> PROPAGATION_KEYS = Set.of("reference_loss_db", "exponent", "shadowing_sigma_db");

    private final HomeSpace space;
    private final ObjectMapper json;

    SpaceRoutes(HomeSpace space, ObjectMapper json) {
        this.space = space;
        this.json = json;
    }

    /** {@code parts}: the path's segments, {@code space} first; {@code body} the request's JSON. */
    JsonNode handle(String method, String[] parts, JsonNode body) {
        String home = HttpRequests.arg(parts, 1);
        String action = parts.length > 2 ? HttpRequests.decode(parts[2]) : "";
        if (action.isEmpty()) {
            HttpRequests.requireMethod(method, "GET");
            return toJson(space.describe(home));
        }
        HttpRequests.requireMethod(method, "POST");
        if (action.equals("position") && parts.length == 4) {
            HttpRequests.onlyKeys(body, POSITION_KEYS);
            String device = HttpRequests.decode(parts[3]);
            if (body.has("position")) {
                space.place(home, device, position(body.get("position")));
            }
            if (body.has("tx_power_dbm")) {
                JsonNode p = body.get("tx_power_dbm");
                space.txPower(home, device, p.isNull() ? null : number(p, "tx_power_dbm"));
            }
            return toJson(space.describe(home));
        }
        if (action.equals("plan") && parts.length == 3) {
            HttpRequests.onlyKeys(body, PLAN_KEYS);
            List<Wall> walls = new ArrayList<>();
            for (JsonNode w : body.path("walls")) {
                if (!w.isArray() || w.size() < 4 || w.size() > 5) {
                    throw CirqueException.invalid("a wall is [x1, y1, x2, y2] or [x1, y1, x2, y2, attenuation_db],"
                            + " got " + w);
                }
                walls.add(new Wall(number(w.get(0), "x1"), number(w.get(1), "y1"), number(w.get(2), "x2"),
                        number(w.get(3), "y2"), w.size() == 5 ? number(w.get(4), "attenuation_db")
                                : Wall.DEFAULT_ATTENUATION_DB));
            }
            return toJson(space.plan(home, walls, propagation(body.path("propagation"))));
        }
        throw new HttpError(404, "NOT_FOUND", "no route /space/{home}/" + action + " (position/{device}, plan)");
    }

    /** The space as JSON: positions as [x, y, z], walls as [x1, y1, x2, y2, dB], links per medium with why. */
    private JsonNode toJson(HomeSpace.View v) {
        ObjectNode out = json.createObjectNode();
        ObjectNode positions = out.putObject("positions");
        v.positions().forEach((node, p) -> positions.set(node, json.valueToTree(p.toList())));
        ArrayNode walls = out.putArray("walls");
        v.walls().forEach(w -> walls.add(json.valueToTree(List.of(w.x1(), w.y1(), w.x2(), w.y2(), w.attenuationDb()))));
        out.putObject("propagation").put("reference_loss_db", v.propagation().referenceLossDb())
                .put("exponent", v.propagation().exponent())
                .put("shadowing_sigma_db", v.propagation().shadowingSigmaDb());
        ObjectNode media = out.putObject("links");
        v.links().forEach((medium, links) -> {
            ArrayNode list = media.putArray(medium);
            links.forEach((link, made) -> {
                ObjectNode l = list.addObject().put("from", link.from()).put("to", link.to())
                        .put("loss", made.conditions().lossPercent()).put("down", !made.conditions().up());
                if (made.conditions().signalDbm() != null) {
                    l.put("signalDbm", made.conditions().signalDbm());
                }
                l.put("why", made.why().get());
            });
        });
        return out;
    }

    private static Position position(JsonNode p) {
        if (p.isNull()) {
            return null;
        }
        if (!p.isArray()) {
            throw CirqueException.invalid("position is [x, y] or [x, y, z] in metres, or null, got " + p);
        }
        List<Double> xyz = new ArrayList<>();
        p.forEach(v -> xyz.add(number(v, "position")));
        return Position.of(xyz);
    }

    private static Propagation propagation(JsonNode p) {
        if (p.isMissingNode() || p.isNull()) {
            return Propagation.DEFAULT;
        }
        HttpRequests.onlyKeys(p, PROPAGATION_KEYS);
        Propagation d = Propagation.DEFAULT;
        return new Propagation(p.has("reference_loss_db") ? number(p.get("reference_loss_db"), "reference_loss_db")
                : d.referenceLossDb(), p.has("exponent") ? number(p.get("exponent"), "exponent") : d.exponent(),
                p.has("shadowing_sigma_db") ? number(p.get("shadowing_sigma_db"), "shadowing_sigma_db")
                        : d.shadowingSigmaDb());
    }

    private static double number(JsonNode v, String name) {
        if (v == null || !v.isNumber()) {
            throw CirqueException.invalid(name + " is a number, got " + v);
        }
        return v.asDouble();
    }
}
