package dev.cirque.server.media.thread;

import dev.cirque.capabilities.ThreadMeshes;
import dev.cirque.proto.GetThreadTopologyRequest;
import dev.cirque.proto.ThreadNeighbor;
import dev.cirque.proto.ThreadNodeState;
import dev.cirque.proto.ThreadTopology;
import dev.cirque.server.media.HomeVerb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** The CLI's {@code thread HOME}. */
@Command(name = "thread", description = {"Show a home's Thread mesh: each node's role, RLOC16, extended address",
        "and neighbours, with the frames the medium delivered/dropped from each."})
final class ThreadMeshCommand extends HomeVerb {

    @Override
    public void run() {
        ThreadTopology t = cli.call(homes -> ThreadMessages.topology(new ThreadMeshes(homes), home),
                stub -> stub.getThreadTopology(GetThreadTopologyRequest.newBuilder().setHomeId(home).build()));
        List<List<String>> rows = new ArrayList<>();
        for (ThreadNodeState n : t.getNodesList()) {
            List<String> neighbors = new ArrayList<>();
            for (ThreadNeighbor nb : n.getNeighborsList()) {
                neighbors.add((nb.getDeviceId().isEmpty() ? nb.getExtAddress() : nb.getDeviceId()) + "("
                        + nb.getRole().charAt(0) + " " + nb.getFramesDelivered() + "/" + nb.getFramesDropped() + ")");
            }
            rows.add(List.of(n.getDeviceId(), n.getError().isEmpty() ? n.getRole() : "? " + n.getError(),
                    n.getDeviceMode(), String.valueOf(n.getPolls()), n.getRloc16(), n.getExtAddress(),
                    String.join(" ", neighbors)));
        }
        cli.print(json(t), () -> cli.table(List.of("DEVICE", "ROLE", "MODE", "POLLS", "RLOC16", "EXT_ADDRESS",
                "NEIGHBORS (role delivered/dropped)"), rows));
    }

    /** The topology as the HTTP route {@code GET /thread/{home}} shows it. */
    private static Map<String, Object> json(ThreadTopology t) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (ThreadNodeState n : t.getNodesList()) {
            List<Map<String, Object>> neighbors = new ArrayList<>();
            for (ThreadNeighbor nb : n.getNeighborsList()) {
                neighbors.add(Map.of("device", nb.getDeviceId(), "role", nb.getRole(), "rloc16", nb.getRloc16(),
                        "extaddr", nb.getExtAddress(), "avgRssi", nb.getAvgRssi(), "delivered", nb.getFramesDelivered(),
                        "dropped", nb.getFramesDropped()));
            }
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("device", n.getDeviceId());
            node.put("role", n.getRole());
            node.put("rloc16", n.getRloc16());
            node.put("extaddr", n.getExtAddress());
            node.put("neighbors", neighbors);
            node.put("error", n.getError().isEmpty() ? null : n.getError());
            node.put("deviceMode", n.getDeviceMode());
            node.put("polls", n.getPolls());
            nodes.add(node);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("home", t.getHomeId());
        out.put("nodes", nodes);
        out.put("capturing", t.getCapturing());
        return out;
    }
}
