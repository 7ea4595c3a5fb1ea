package dev.cirque.server.media.thread;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.capabilities.ThreadMeshes;
import dev.cirque.capabilities.ThreadRoleEvents;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.home.HomeService;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.server.wire.GrpcErrors;
import dev.cirque.server.media.MediumFront;
import io.grpc.ServerMethodDefinition;
import io.grpc.stub.ServerCalls;
import java.util.List;

/**
 * The Thread mesh's own calls (a cirque-java extension):
 * <ul>
 *   <li>{@code GET /thread/{home}} and GetThreadTopology: every Thread node's role, RLOC16,
 *       extended address and neighbours, with what the medium delivered and dropped on each link;
 *   <li>{@code POST /thread/{home}/capture/start} and {@code .../capture/stop}, SetThreadCapture:
 *       a pcap of every frame the home's radios send; {@code GET /thread/{home}/capture}: that pcap
 *       (while it runs, too), for Wireshark or {@code tshark -r};
 *   <li>{@code POST /thread/{home}/mode/{device}} and SetThreadDeviceMode: a node's device mode
 *       (router, end_device, sleepy_end_device with its poll period), live;
 *   <li>WatchThreadTopology: each change of the mesh as it is seen; THREAD_ROLE_CHANGED in
 *       the home's events while someone watches it;
 *   <li>the CLI's {@code thread HOME} and {@code thread_mode HOME DEVICE MODE}.
 * </ul>
 * Link conditions on Thread go through the links calls with medium {@code thread}.
 */
public final class ThreadFront implements MediumFront {

    private final HomeService homes;
    private final ThreadMeshes meshes;
    private final ObjectMapper json;

    ThreadFront(HomeService homes, ObjectMapper json) {
        this.homes = homes;
        this.meshes = new ThreadMeshes(homes);
        this.json = json;
    }

    @Override
    public String name() {
        return "thread";
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
    public JsonNode capture(String home, boolean start) {
        CaptureState c = meshes.capture(home, start);
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

    /** {@code POST /thread/{home}/mode/{device}} {@code {"device_mode": ..., "poll_period_ms": ...}}. */
    @Override
    public JsonNode nodeAction(String home, String action, String device, JsonNode body) {
        if (!action.equals("mode")) {
            return MediumFront.super.nodeAction(home, action, device, body);
        }
        List<String> known = List.of("device_mode", "poll_period_ms");
        body.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                throw CirqueException.invalid("unknown key \"" + k + "\" (known: " + known + ")");
            }
        });
        if (!body.path("device_mode").isTextual() || !body.path("poll_period_ms").isMissingNode()
                && !body.path("poll_period_ms").canConvertToLong()) {
            throw CirqueException.invalid("device_mode is a string (router, end_device, sleepy_end_device),"
                    + " poll_period_ms a number of milliseconds");
        }
        ObjectNode out = json.createObjectNode().put("device", device);
        meshes.setDeviceMode(home, device, body.path("device_mode").asText(), body.path("poll_period_ms").asLong(0))
                .forEach((k, v) -> out.set(k, json.valueToTree(v)));
        return out;
    }

    /** Role changes in the event stream (THREAD_ROLE_CHANGED), asked of the nodes of watched homes. */
    @Override
    public AutoCloseable watchHomes() {
        return ThreadRoleEvents.start(homes, ThreadRoleEvents.INTERVAL);
    }

    @Override
    public List<ServerMethodDefinition<?, ?>> grpcCalls() {
        return List.of(
                ServerMethodDefinition.create(CirqueServiceGrpc.getGetThreadTopologyMethod(), ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcErrors.reply(out, () -> ThreadMessages.topology(meshes, request.getHomeId())))),
                ServerMethodDefinition.create(CirqueServiceGrpc.getSetThreadCaptureMethod(), ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcErrors.reply(out, () -> ThreadMessages.capture(meshes, request)))),
                ServerMethodDefinition.create(CirqueServiceGrpc.getSetThreadDeviceModeMethod(), ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcErrors.reply(out, () -> ThreadMessages.deviceMode(meshes, request)))),
                ServerMethodDefinition.create(CirqueServiceGrpc.getWatchThreadTopologyMethod(),
                        ServerCalls.asyncServerStreamingCall((request, out) -> ThreadWatchCall.run(meshes, request, out))));
    }

    /** Listed in {@code META-INF/services}. */
    public static final class Factory implements MediumFront.Factory {

        @Override
        public MediumFront create(HomeService homes, ObjectMapper json) {
            return new ThreadFront(homes, json);
        }

        @Override
        public Object cliCommand() {
            return new ThreadMeshCommand();
        }

        @Override
        public List<Object> cliCommands() {
            return List.of(new ThreadMeshCommand(), new ThreadModeCommand());
        }
    }
}
