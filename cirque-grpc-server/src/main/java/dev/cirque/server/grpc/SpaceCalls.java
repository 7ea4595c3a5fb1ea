package dev.cirque.server.grpc;

import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.HomeSpace;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.server.wire.GrpcErrors;
import dev.cirque.server.wire.SpaceMessages;
import io.grpc.ServerMethodDefinition;
import io.grpc.stub.ServerCalls;
import java.util.List;

/**
 * Homes in space over gRPC (PlaceNode, SetFloorPlan, GetSpace), bound to their methods of
 * Cirque's service; the translation is {@link SpaceMessages}'s, the rules {@link HomeSpace}'s.
 */
public final class SpaceCalls {

    private SpaceCalls() {}

    public static List<ServerMethodDefinition<?, ?>> methods(HomeService homes) {
        HomeSpace space = homes.links().space();
        return List.of(
                ServerMethodDefinition.create(CirqueServiceGrpc.getPlaceNodeMethod(), ServerCalls.asyncUnaryCall(
                        (r, out) -> GrpcErrors.reply(out, () -> SpaceMessages.place(space, r)))),
                ServerMethodDefinition.create(CirqueServiceGrpc.getSetFloorPlanMethod(), ServerCalls.asyncUnaryCall(
                        (r, out) -> GrpcErrors.reply(out, () -> SpaceMessages.plan(space, r)))),
                ServerMethodDefinition.create(CirqueServiceGrpc.getGetSpaceMethod(), ServerCalls.asyncUnaryCall(
                        (r, out) -> GrpcErrors.reply(out, () -> SpaceMessages.state(r.getHomeId(),
                                space.describe(r.getHomeId()))))));
    }
}
