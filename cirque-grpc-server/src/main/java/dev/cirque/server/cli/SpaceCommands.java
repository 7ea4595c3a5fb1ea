package dev.cirque.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.CirqueException;
import dev.cirque.proto.GetSpaceRequest;
import dev.cirque.proto.ModelledLink;
import dev.cirque.proto.PlaceNodeRequest;
import dev.cirque.proto.Position;
import dev.cirque.proto.SetFloorPlanRequest;
import dev.cirque.proto.SpaceState;
import dev.cirque.proto.Wall;
import dev.cirque.server.wire.SpaceMessages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The space verbs of the CLI: {@code space}, {@code place}, {@code floor_plan}. */
final class SpaceCommands {

    private SpaceCommands() {}

    abstract static class OnHome {
        @ParentCommand
        CirqueCli cli;

        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        void show(SpaceState s) {
            Map<String, Object> doc = new LinkedHashMap<>();
            Map<String, Object> positions = new LinkedHashMap<>();
            s.getPositionsMap().forEach((node, p) -> positions.put(node, List.of(p.getX(), p.getY(), p.getZ())));
            doc.put("positions", positions);
            doc.put("walls", s.getWallsList().stream().map(w -> List.of(w.getX1(), w.getY1(), w.getX2(), w.getY2(),
                    w.getAttenuationDb())).toList());
            doc.put("links", s.getLinksList().stream().map(l -> Map.of("medium", l.getMedium(), "from",
                    l.getFromDeviceId(), "to", l.getToDeviceId(), "loss", l.getLossPercent(), "down", l.getDown(),
                    "why", l.getWhy())).toList());
            cli.print(doc, () -> {
                List<List<String>> rows = new ArrayList<>();
                for (ModelledLink l : s.getLinksList()) {
                    rows.add(List.of(l.getMedium(), l.getFromDeviceId(), l.getToDeviceId(),
                            Double.toString(l.getLossPercent()), Boolean.toString(l.getDown()), l.getWhy()));
                }
                positions.forEach((node, p) -> cli.out().println("at " + p + ": " + node));
                cli.table(List.of("MEDIUM", "FROM", "TO", "LOSS_%", "DOWN", "WHY"), rows);
            });
        }
    }

    @Command(name = "space", description = "Show a home's space: where its nodes are, its walls, the links the model made.")
    static final class Show extends OnHome implements Runnable {
        @Override
        public void run() {
            GetSpaceRequest r = GetSpaceRequest.newBuilder().setHomeId(home).build();
            show(cli.call(homes -> SpaceMessages.state(home, homes.links().space().describe(home)),
                    stub -> stub.getSpace(r)));
        }
    }

    @Command(name = "place", description = {"Place a node: place HOME DEVICE X Y [Z] (metres), or --out of the space.",
            "Its radio links are then made from where it is."})
    static final class Place extends OnHome implements Runnable {
        @Parameters(index = "1", paramLabel = "DEVICE")
        String device;

        @Parameters(index = "2..4", arity = "0..3", paramLabel = "X Y Z")
        List<Double> xyz = new ArrayList<>();

        @Option(names = "--out", description = "Take it out of the space (everyone hears it).")
        boolean out;

        @Option(names = "--tx-power-dbm", paramLabel = "DBM", description = "Its transmit power (default: each medium's).")
        Double txPower;

        @Override
        public void run() {
            if (!out && xyz.size() < 2) {
                throw CirqueException.invalid("place HOME DEVICE X Y [Z], or place HOME DEVICE --out");
            }
            PlaceNodeRequest.Builder r = PlaceNodeRequest.newBuilder().setHomeId(home).setDeviceId(device);
            if (!out) {
                r.setPosition(Position.newBuilder().setX(xyz.get(0)).setY(xyz.get(1))
                        .setZ(xyz.size() > 2 ? xyz.get(2) : 0));
            }
            if (txPower != null) {
                r.setTxPowerDbm(txPower);
            }
            show(cli.call(homes -> SpaceMessages.place(homes.links().space(), r.build()), stub -> stub.placeNode(r.build())));
        }
    }

    @Command(name = "floor_plan", description = {"Set a home's walls and propagation model from a JSON file:",
            "{\"walls\": [[x1, y1, x2, y2, dB?], ...], \"propagation\"?: {\"reference_loss_db\", \"exponent\",",
            "\"shadowing_sigma_db\"}} (as POST /space/{home}/plan)."})
    static final class Plan extends OnHome implements Runnable {
        @Option(names = "--file", required = true, paramLabel = "FILE")
        Path file;

        @Override
        public void run() {
            JsonNode doc;
            try {
                doc = new ObjectMapper().readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw CirqueException.invalid("cannot read " + file + ": " + e.getMessage());
            }
            SetFloorPlanRequest.Builder r = SetFloorPlanRequest.newBuilder().setHomeId(home);
            for (JsonNode w : doc.path("walls")) {
                r.addWalls(Wall.newBuilder().setX1(w.path(0).asDouble()).setY1(w.path(1).asDouble())
                        .setX2(w.path(2).asDouble()).setY2(w.path(3).asDouble()).setAttenuationDb(w.path(4).asDouble()));
            }
            JsonNode p = doc.path("propagation");
            r.setPropagation(dev.cirque.proto.Propagation.newBuilder().setReferenceLossDb(p.path("reference_loss_db")
                    .asDouble()).setExponent(p.path("exponent").asDouble())
                    .setShadowingSigmaDb(p.path("shadowing_sigma_db").asDouble()));
            show(cli.call(homes -> SpaceMessages.plan(homes.links().space(), r.build()), stub -> stub.setFloorPlan(r.build())));
        }
    }
}
