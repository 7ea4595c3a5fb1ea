package dev.cirque.server.wire;

import dev.cirque.core.home.HomeSpace;
import dev.cirque.core.space.Position;
import dev.cirque.core.space.Propagation;
import dev.cirque.core.space.Wall;
import dev.cirque.proto.ModelledLink;
import dev.cirque.proto.PlaceNodeRequest;
import dev.cirque.proto.SetFloorPlanRequest;
import dev.cirque.proto.SpaceState;
import java.util.List;

/**
 * Homes in space between proto messages and {@link HomeSpace}, for gRPC and the CLI. Proto's
 * zeros mean defaults: a wall of 0 dB is {@link Wall#DEFAULT_ATTENUATION_DB}, a propagation
 * field of 0 its default.
 */
public final class SpaceMessages {

    private SpaceMessages() {}

    public static SpaceState place(HomeSpace space, PlaceNodeRequest r) {
        space.place(r.getHomeId(), r.getDeviceId(), r.hasPosition() ? new Position(r.getPosition().getX(),
                r.getPosition().getY(), r.getPosition().getZ()) : null);
        return state(r.getHomeId(), space.txPower(r.getHomeId(), r.getDeviceId(),
                r.hasTxPowerDbm() ? r.getTxPowerDbm() : null));
    }

    public static SpaceState plan(HomeSpace space, SetFloorPlanRequest r) {
        List<Wall> walls = r.getWallsList().stream().map(w -> new Wall(w.getX1(), w.getY1(), w.getX2(), w.getY2(),
                w.getAttenuationDb() == 0 ? Wall.DEFAULT_ATTENUATION_DB : w.getAttenuationDb())).toList();
        Propagation d = Propagation.DEFAULT;
        dev.cirque.proto.Propagation p = r.getPropagation();
        return state(r.getHomeId(), space.plan(r.getHomeId(), walls, new Propagation(
                p.getReferenceLossDb() == 0 ? d.referenceLossDb() : p.getReferenceLossDb(),
                p.getExponent() == 0 ? d.exponent() : p.getExponent(), p.getShadowingSigmaDb())));
    }

    public static SpaceState state(String home, HomeSpace.View v) {
        SpaceState.Builder out = SpaceState.newBuilder().setHomeId(home);
        v.positions().forEach((node, p) -> out.putPositions(node, dev.cirque.proto.Position.newBuilder().setX(p.x())
                .setY(p.y()).setZ(p.z()).build()));
        v.walls().forEach(w -> out.addWalls(dev.cirque.proto.Wall.newBuilder().setX1(w.x1()).setY1(w.y1())
                .setX2(w.x2()).setY2(w.y2()).setAttenuationDb(w.attenuationDb())));
        out.setPropagation(dev.cirque.proto.Propagation.newBuilder().setReferenceLossDb(v.propagation()
                .referenceLossDb()).setExponent(v.propagation().exponent())
                .setShadowingSigmaDb(v.propagation().shadowingSigmaDb()));
        v.links().forEach((medium, links) -> links.forEach((link, made) -> {
            ModelledLink.Builder l = ModelledLink.newBuilder().setMedium(medium).setFromDeviceId(link.from())
                    .setToDeviceId(link.to()).setLossPercent(made.conditions().lossPercent())
                    .setDown(!made.conditions().up()).setWhy(made.why().get());
            if (made.conditions().signalDbm() != null) {
                l.setSignalDbm(made.conditions().signalDbm());
            }
            out.addLinks(l);
        }));
        return out.build();
    }
}
