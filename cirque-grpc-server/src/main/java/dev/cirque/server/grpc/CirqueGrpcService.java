package dev.cirque.server.grpc;

import static dev.cirque.server.wire.GrpcErrors.reply;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.Home;
import dev.cirque.core.home.HomeEvents;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CommandOutput;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueDeviceResponse;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.CreateCirqueHomeResponse;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.ExecuteDeviceCommandResponse;
import dev.cirque.proto.GetCirqueDeviceLogRequest;
import dev.cirque.proto.GetCirqueDeviceLogResponse;
import dev.cirque.proto.GetLinkConditionsRequest;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.HoldSessionRequest;
import dev.cirque.proto.HomeCreationEvent;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.ListCirqueHomeDevicesResponse;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.ListCirqueHomesResponse;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.PowerDeviceRequest;
import dev.cirque.proto.QueryCirqueDeviceRequest;
import dev.cirque.proto.QueryCirqueDeviceResponse;
import dev.cirque.proto.SessionHeld;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.WatchHomeRequest;
import dev.cirque.server.media.MediumFronts;
import dev.cirque.server.wire.DeviceConfigs;
import dev.cirque.server.wire.DeviceSpecs;
import dev.cirque.server.wire.GrpcErrors;
import dev.cirque.server.wire.LinkMessages;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Cirque's gRPC service: translation only; the work is {@link HomeService}'s. */
public final class CirqueGrpcService extends CirqueServiceGrpc.CirqueServiceImplBase {

    private final HomeService homes;
    private final DeviceSpecs specs;
    private final ClientSessions sessions;
    private final TopologyCalls creations;

    public CirqueGrpcService(HomeService homes) {
        this.homes = homes;
        this.specs = new DeviceSpecs(homes.capabilities());
        this.sessions = new ClientSessions(homes);
        // topology_json is read as the HTTP route reads a create_home body.
        this.creations = new TopologyCalls(homes, specs, new DeviceConfigs(homes.capabilities()), sessions);
    }

    /**
     * The service as served: these calls, with the typed calls of the media fronts on the
     * class path and the space's (PlaceNode ...) in place of the methods this class leaves to
     * them (GetThreadTopology ...).
     */
    public static ServerServiceDefinition bind(HomeService homes, MediumFronts fronts) {
        ServerServiceDefinition own = new CirqueGrpcService(homes).bindService();
        Map<String, ServerMethodDefinition<?, ?>> theirs = new HashMap<>();
        List<ServerMethodDefinition<?, ?>> others = new java.util.ArrayList<>(fronts.grpcCalls());
        others.addAll(SpaceCalls.methods(homes));
        for (ServerMethodDefinition<?, ?> m : others) {
            theirs.put(m.getMethodDescriptor().getFullMethodName(), m);
        }
        ServerServiceDefinition.Builder served = ServerServiceDefinition.builder(own.getServiceDescriptor());
        for (ServerMethodDefinition<?, ?> m : own.getMethods()) {
            served.addMethod(theirs.getOrDefault(m.getMethodDescriptor().getFullMethodName(), m));
        }
        return served.build();
    }

    /** Reads the {@code cirque-session} header of each call (see {@link ClientSessions}). */
    public static io.grpc.ServerInterceptor sessionHeader() {
        return ClientSessions.interceptor();
    }

    /** Where WatchHome streams are fed from their buffers, a burst at a time (see WatchFeed). */
    private static final java.util.concurrent.ExecutorService WATCHERS = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(r, "cirque-watch-home");
                t.setDaemon(true);
                return t;
            });

    @Override
    public void watchHome(WatchHomeRequest request, StreamObserver<dev.cirque.proto.HomeEvent> out) {
        String homeId = request.getHomeId();
        boolean everyHome = homeId.isEmpty();
        if (!everyHome) {
            try {
                homes.home(homeId);
            } catch (CirqueException e) {
                out.onError(GrpcErrors.toStatus(e));
                return;
            }
        }
        HomeEvents.Subscription events = everyHome ? homes.events().subscribeAll(HomeEvents.DEFAULT_CAPACITY)
                : homes.events().subscribe(homeId, HomeEvents.DEFAULT_CAPACITY);
        new WatchFeed((io.grpc.stub.ServerCallStreamObserver<dev.cirque.proto.HomeEvent>) out, events, !everyHome,
                WATCHERS).start(() -> homes.homes().stream().anyMatch(h -> h.id().equals(homeId)));
    }

    @Override
    public void holdSession(HoldSessionRequest request, StreamObserver<SessionHeld> out) {
        try {
            sessions.hold(request.getSessionId(), out);
        } catch (CirqueException e) {
            out.onError(GrpcErrors.toStatus(e));
        }
    }

    @Override
    public void createCirqueHome(CreateCirqueHomeRequest request, StreamObserver<CreateCirqueHomeResponse> out) {
        reply(out, () -> {
            String id = homes.createHome().id();
            sessions.bind(id);
            TopologyCalls.undoIfCancelled("home " + id, () -> homes.stopHome(id));
            return CreateCirqueHomeResponse.newBuilder().setHomeId(id).build();
        });
    }

    @Override
    public void createCirqueDevice(CreateCirqueDeviceRequest request,
            StreamObserver<CreateCirqueDeviceResponse> out) {
        reply(out, () -> {
            homes.home(request.getHomeId()); // NOT_FOUND before INVALID_ARGUMENT, as clients expect
            if (!request.hasSpecification()) {
                throw CirqueException.invalid("specification is required");
            }
            Node node = homes.createNode(request.getHomeId(), specs.toNodeSpec(request.getSpecification()));
            TopologyCalls.undoIfCancelled("device " + node.id(), () -> homes.stopNode(request.getHomeId(), node.id()));
            return CreateCirqueDeviceResponse.newBuilder().setDevice(specs.toDevice(node)).build();
        });
    }

    @Override
    public void executeDeviceCommand(ExecuteDeviceCommandRequest request,
            StreamObserver<ExecuteDeviceCommandResponse> out) {
        reply(out, () -> {
            ExecResult result = homes.exec(request.getHomeId(), request.getDeviceId(), request.getCommand(),
                    timeLeft());
            if (!result.succeeded()) {
                throw Status.ABORTED.withDescription(GrpcErrors.clip(result.output())).asRuntimeException();
            }
            return ExecuteDeviceCommandResponse.newBuilder().setOutput(result.output()).build();
        });
    }

    @Override
    public void listCirqueHomes(ListCirqueHomesRequest request, StreamObserver<ListCirqueHomesResponse> out) {
        reply(out, () -> {
            ListCirqueHomesResponse.Builder b = ListCirqueHomesResponse.newBuilder();
            homes.homes().forEach(h -> b.addHomeId(h.id()));
            return b.build();
        });
    }

    @Override
    public void listCirqueHomeDevices(ListCirqueHomeDevicesRequest request,
            StreamObserver<ListCirqueHomeDevicesResponse> out) {
        reply(out, () -> {
            Home home = homes.home(request.getHomeId());
            List<Node> nodes = home.nodes();
            // Capability descriptions change (a radio that exits): such answers are built each time.
            // Otherwise nothing in the answer changes but the node set, and it is kept until then.
            return nodes.stream().anyMatch(Node::hasCapabilities) ? listAnswer(nodes)
                    : home.view(ListCirqueHomeDevicesResponse.class, this::listAnswer);
        });
    }

    private ListCirqueHomeDevicesResponse listAnswer(List<Node> nodes) {
        ListCirqueHomeDevicesResponse.Builder b = ListCirqueHomeDevicesResponse.newBuilder();
        nodes.forEach(n -> b.addDevices(specs.toDevice(n)));
        return b.build();
    }

    @Override
    public void queryCirqueDevice(QueryCirqueDeviceRequest request, StreamObserver<QueryCirqueDeviceResponse> out) {
        reply(out, () -> QueryCirqueDeviceResponse.newBuilder()
                .setDevice(specs.toDevice(homes.node(request.getHomeId(), request.getDeviceId())))
                .build());
    }

    @Override
    public void powerOffDevice(PowerDeviceRequest request, StreamObserver<CirqueDevice> out) {
        // uint32 on the wire: a value over 2^31 arrives negative, and core refuses it as out of range.
        reply(out, () -> specs.toDevice(homes.powerOff(request.getHomeId(), request.getDeviceId(),
                request.hasGraceSeconds() ? Integer.valueOf(request.getGraceSeconds()) : null)));
    }

    @Override
    public void powerOnDevice(PowerDeviceRequest request, StreamObserver<CirqueDevice> out) {
        reply(out, () -> specs.toDevice(homes.powerOn(request.getHomeId(), request.getDeviceId())));
    }

    @Override
    public void stopCirqueDevice(StopCirqueDeviceRequest request, StreamObserver<Empty> out) {
        reply(out, () -> {
            homes.stopNode(request.getHomeId(), request.getDeviceId());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void stopCirqueHome(StopCirqueHomeRequest request, StreamObserver<Empty> out) {
        reply(out, () -> {
            homes.stopHome(request.getHomeId());
            sessions.unbind(request.getHomeId());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void getCirqueDeviceLog(GetCirqueDeviceLogRequest request, StreamObserver<GetCirqueDeviceLogResponse> out) {
        reply(out, () -> {
            // uint32 on the wire: a value over 2^31 arrives negative; it asks for "very many".
            int tail = request.getTail() < 0 ? Integer.MAX_VALUE : request.getTail();
            return GetCirqueDeviceLogResponse.newBuilder()
                    .setLog(homes.logs(request.getHomeId(), request.getDeviceId(), tail))
                    .build();
        });
    }

    @Override
    public void createCirqueHomeWithDevices(CreateCirqueHomeWithDevicesRequest request,
            StreamObserver<CreateCirqueHomeWithDevicesResponse> out) {
        reply(out, () -> creations.create(request));
    }

    @Override
    public void createCirqueHomeWithDevicesStream(CreateCirqueHomeWithDevicesRequest request,
            StreamObserver<HomeCreationEvent> out) {
        creations.stream(request, out);
    }

    @Override
    public void executeDeviceCommandStream(ExecuteDeviceCommandRequest request, StreamObserver<CommandOutput> out) {
        Object lock = new Object();
        // A client that goes away ends the command (the exec's wait looks for it).
        Context call = Context.current();
        try {
            int code = homes.execStreaming(request.getHomeId(), request.getDeviceId(), request.getCommand(),
                    timeLeft(), ContainerEngine.OutputSink.watching((stream, chunk) -> {
                        ByteString bytes = ByteString.copyFrom(chunk);
                        CommandOutput.Builder b = CommandOutput.newBuilder();
                        synchronized (lock) {
                            out.onNext(stream == ContainerEngine.OutputSink.Stream.STDERR
                                    ? b.setStderr(bytes).build() : b.setStdout(bytes).build());
                        }
                    }, call::isCancelled));
            synchronized (lock) {
                out.onNext(CommandOutput.newBuilder().setExitCode(code).build());
                out.onCompleted();
            }
        } catch (RuntimeException e) {
            if (!call.isCancelled()) {
                out.onError(GrpcErrors.toStatus(e));
            }
        }
    }

    @Override
    public void setLinkConditions(SetLinkConditionsRequest request, StreamObserver<LinkState> out) {
        reply(out, () -> LinkMessages.set(homes, request));
    }

    @Override
    public void partitionHome(PartitionRequest request, StreamObserver<LinkState> out) {
        reply(out, () -> LinkMessages.partition(homes, request));
    }

    @Override
    public void healHome(HealRequest request, StreamObserver<LinkState> out) {
        reply(out, () -> LinkMessages.heal(homes, request));
    }

    @Override
    public void seedLinks(dev.cirque.proto.SeedLinksRequest request, StreamObserver<LinkState> out) {
        reply(out, () -> LinkMessages.seed(homes, request));
    }

    @Override
    public void getLinkConditions(GetLinkConditionsRequest request, StreamObserver<LinkState> out) {
        reply(out, () -> LinkMessages.state(homes, request.getHomeId(), request.getMedium()));
    }


    /** The time the client's deadline leaves, or none. */
    private static Duration timeLeft() {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? null : Duration.ofMillis(Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS)));
    }
}
