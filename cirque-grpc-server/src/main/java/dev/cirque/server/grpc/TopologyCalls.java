package dev.cirque.server.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.CirqueException;
import dev.cirque.core.home.Home;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.CreationFailed;
import dev.cirque.proto.DeviceReady;
import dev.cirque.proto.HomeCreationEvent;
import dev.cirque.server.wire.DeviceConfigs;
import dev.cirque.server.wire.DeviceSpecs;
import dev.cirque.server.wire.GrpcErrors;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Homes made from a topology over gRPC, given as devices or as Cirque's create_home JSON
 * ({@code topology_json}, read as the HTTP route reads it): bound to the caller's session,
 * and undone when the caller left before the answer.
 */
final class TopologyCalls {

    private static final Logger log = LoggerFactory.getLogger(TopologyCalls.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HomeService homes;
    private final DeviceSpecs specs;
    private final DeviceConfigs configs;
    private final ClientSessions sessions;

    TopologyCalls(HomeService homes, DeviceSpecs specs, DeviceConfigs configs, ClientSessions sessions) {
        this.homes = homes;
        this.specs = specs;
        this.configs = configs;
        this.sessions = sessions;
    }

    /** CreateCirqueHomeWithDevices: the home and its devices, all or nothing. */
    CreateCirqueHomeWithDevicesResponse create(CreateCirqueHomeWithDevicesRequest request) {
        HomeService.Topology made = homes.createHome(topology(request));
        sessions.bind(made.home().id());
        undoIfCancelled("home " + made.home().id(), () -> homes.stopHome(made.home().id()));
        return toResponse(made);
    }

    /** Its stream form: the home, then each device as it comes up, then the whole or the first failure. */
    void stream(CreateCirqueHomeWithDevicesRequest request, StreamObserver<HomeCreationEvent> out) {
        // Events come from the creating threads at once; a StreamObserver takes one at a time.
        Object lock = new Object();
        try {
            HomeService.Topology made = homes.createHome(topology(request), new HomeService.TopologyListener() {
                @Override
                public void homeCreated(Home home) {
                    sessions.bind(home.id());
                    synchronized (lock) {
                        out.onNext(HomeCreationEvent.newBuilder().setHomeCreated(home.id()).build());
                    }
                }

                @Override
                public void nodeReady(String key, Node node) {
                    synchronized (lock) {
                        out.onNext(HomeCreationEvent.newBuilder().setDeviceReady(DeviceReady.newBuilder()
                                .setKey(key).setDevice(specs.toDevice(node))).build());
                    }
                }
            });
            undoIfCancelled("home " + made.home().id(), () -> homes.stopHome(made.home().id()));
            synchronized (lock) {
                out.onNext(HomeCreationEvent.newBuilder().setDone(toResponse(made)).build());
                out.onCompleted();
            }
        } catch (CirqueException e) {
            synchronized (lock) {
                out.onNext(HomeCreationEvent.newBuilder().setFailed(CreationFailed.newBuilder()
                        .setKey(e.device() == null ? "" : e.device())
                        .setCode(GrpcErrors.toStatus(e).getStatus().getCode().name())
                        .setMessage(GrpcErrors.clip(e.getMessage()))).build());
                out.onCompleted();
            }
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
        }
    }

    private Map<String, NodeSpec> topology(CreateCirqueHomeWithDevicesRequest request) {
        if (!request.getTopologyJson().isEmpty()) {
            if (request.getDevicesCount() > 0) {
                throw CirqueException.invalid("give the topology as devices or as topology_json, not both");
            }
            JsonNode json;
            try {
                json = JSON.readTree(request.getTopologyJson());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw CirqueException.invalid("topology_json is not JSON: " + e.getOriginalMessage());
            }
            return configs.toTopology(json);
        }
        Map<String, NodeSpec> topology = new LinkedHashMap<>();
        // Sorted keys: a map's wire order is not the client's, so make the order at least stable.
        new TreeMap<>(request.getDevicesMap()).forEach((key, spec) -> {
            try {
                topology.put(key, specs.toNodeSpec(spec));
            } catch (CirqueException e) {
                throw e.forDevice(key);
            }
        });
        return topology;
    }

    private CreateCirqueHomeWithDevicesResponse toResponse(HomeService.Topology made) {
        CreateCirqueHomeWithDevicesResponse.Builder b = CreateCirqueHomeWithDevicesResponse.newBuilder()
                .setHomeId(made.home().id());
        made.nodes().forEach((key, node) -> b.putDevices(key, specs.toDevice(node)));
        return b.build();
    }

    /**
     * A creation whose caller went away (cancelled, past its deadline, disconnected) while
     * it ran is undone: nobody will ever learn its ids to remove it.
     */
    static void undoIfCancelled(String what, Runnable undo) {
        Context call = Context.current();
        if (call.isCancelled()) {
            log.info("{}: its caller went away while it was being made ({}); removing it", what,
                    call.cancellationCause() == null ? "cancelled" : call.cancellationCause().getMessage());
            undo.run();
            throw Status.CANCELLED.withDescription("the call was cancelled; " + what + " was removed")
                    .asRuntimeException();
        }
    }
}
