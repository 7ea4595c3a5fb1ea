package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.capabilities.ThreadMeshes;
import dev.cirque.core.CirqueException;

/**
 * The Thread mesh of a home over HTTP (a cirque-java extension):
 * <ul>
 *   <li>{@code GET /thread/{home}}: every Thread node's role, RLOC16, extended address and
 *       neighbours, with what the medium delivered and dropped on each link;
 *   <li>{@code POST /thread/{home}/capture/start} and {@code .../capture/stop}: a pcap of
 *       every frame the home's radios send;
 *   <li>{@code GET /thread/{home}/capture}: that pcap (while it runs, too), for Wireshark
 *       or {@code tshark -r}.
 * </ul>
 * Link conditions on Thread go through {@code /links/{home}} with {@code "medium": "thread"}.
 */
final class ThreadRoutes implements MediumRoutes {

    /** The first segment of its routes. */
    static final String ROUTE = "thread";

    private final ThreadMeshes meshes;
    private final ObjectMapper json;

    ThreadRoutes(ThreadMeshes meshes, ObjectMapper json) {
        this.meshes = meshes;
        this.json = json;
    }

    @Override
    public JsonNode topology(String home) {
        ObjectNode out = json.createObjectNode();
        out.put("home", home);
        out.set("nodes", json.valueToTree(meshes.topology(home)));
        out.put("capturing", meshes.capturing(home));
        return out;
    }

    @Override
    public JsonNode capture(String home, String action) {
        if (!action.equals("start") && !action.equals("stop")) {
            throw CirqueException.notFound("no capture action '" + action + "' (start or stop)");
        }
        ThreadMeshes.Capture c = meshes.capture(home, action.equals("start"));
        ObjectNode out = json.createObjectNode();
        out.put("capturing", c.capturing());
        out.put("download", c.downloadPath());
        out.put("bytes", c.bytes());
        return out;
    }

    @Override
    public byte[] captured(String home) {
        return meshes.captured(home);
    }
}
