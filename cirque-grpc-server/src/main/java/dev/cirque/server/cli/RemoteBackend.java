package dev.cirque.server.cli;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.core.util.ShellWords;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc.CirqueServiceBlockingStub;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.GetLinkConditionsRequest;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.ListMediaRequest;
import dev.cirque.proto.MediumCaptureRequest;
import dev.cirque.proto.MediumRequest;
import dev.cirque.proto.MediumServiceGrpc;
import dev.cirque.proto.RecordingRequest;
import dev.cirque.proto.RecordingServiceGrpc;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.PowerDeviceRequest;
import dev.cirque.proto.QueryCirqueDeviceRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.server.wire.DeviceSpecs;
import dev.cirque.server.wire.MediumMessages;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/** A running daemon, driven over gRPC: homes outlive the CLI. */
final class RemoteBackend implements Backend {

    private final String target;
    private final DaemonChannel daemon;
    private final CirqueServiceGrpc.CirqueServiceBlockingStub stub;
    private final MediumServiceGrpc.MediumServiceBlockingStub mediumStub;
    private final RecordingServiceGrpc.RecordingServiceBlockingStub recordingStub;
    /**
     * Encodes specs with the wire forms of the capabilities on this class path; found when
     * first needed (loading every provider costs a one-shot call a tenth of a second).
     */
    private DeviceSpecs specs;

    /** @param token the daemon's bearer token, or null */
    RemoteBackend(DaemonChannel daemon, String token) {
        this.target = daemon.target;
        this.daemon = daemon;
        ManagedChannel channel = daemon.channel;
        CirqueServiceGrpc.CirqueServiceBlockingStub s = CirqueServiceGrpc.newBlockingStub(channel);
        MediumServiceGrpc.MediumServiceBlockingStub m = MediumServiceGrpc.newBlockingStub(channel);
        RecordingServiceGrpc.RecordingServiceBlockingStub r = RecordingServiceGrpc.newBlockingStub(channel);
        if (token != null && !token.isBlank()) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token.strip());
            s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            m = m.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            r = r.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.stub = s;
        this.mediumStub = m;
        this.recordingStub = r;
    }

    @Override
    public String createHome() {
        return rpc(() -> stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance())).getHomeId();
    }

    @Override
    public Map<String, Device> createHome(Map<String, NodeSpec> topology, String[] homeId) {
        CreateCirqueHomeWithDevicesRequest.Builder request = CreateCirqueHomeWithDevicesRequest.newBuilder();
        topology.forEach((key, spec) -> request.putDevices(key, specs().toProto(spec)));
        CreateCirqueHomeWithDevicesResponse made = rpc(() -> stub.createCirqueHomeWithDevices(request.build()));
        homeId[0] = made.getHomeId();
        Map<String, Device> out = new LinkedHashMap<>();
        topology.keySet().forEach(key -> out.put(key, view(made.getDevicesOrThrow(key))));
        return out;
    }

    @Override
    public List<String> homes() {
        return rpc(() -> stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance())).getHomeIdList();
    }

    @Override
    public List<Device> devices(String home) {
        return rpc(() -> stub.listCirqueHomeDevices(ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build()))
                .getDevicesList().stream().map(this::view).toList();
    }

    @Override
    public Device device(String home, String device) {
        return view(rpc(() -> stub.queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setDeviceId(device).build())).getDevice());
    }

    @Override
    public Device createDevice(String home, NodeSpec spec) {
        return view(rpc(() -> stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setSpecification(specs().toProto(spec)).build())).getDevice());
    }

    @Override
    public ExecResult exec(String home, String device, List<String> argv) {
        try {
            String output = stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder()
                    .setHomeId(home).setDeviceId(device).setCommand(ShellWords.join(argv)).build()).getOutput();
            return new ExecResult(0, output);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.ABORTED) {
                // The contract carries the output, not the exit code, of a failed command.
                return new ExecResult(1, e.getStatus().getDescription());
            }
            throw toCirque(e);
        }
    }

    @Override
    public void closeDevice(String home, String device) {
        rpc(() -> stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home).setDeviceId(device).build()));
    }

    @Override
    public Device powerOff(String home, String device, Integer graceSeconds) {
        PowerDeviceRequest.Builder r = PowerDeviceRequest.newBuilder().setHomeId(home).setDeviceId(device);
        if (graceSeconds != null) {
            r.setGraceSeconds(graceSeconds);
        }
        return view(rpc(() -> stub.powerOffDevice(r.build())));
    }

    @Override
    public Device powerOn(String home, String device) {
        return view(rpc(() -> stub.powerOnDevice(PowerDeviceRequest.newBuilder().setHomeId(home).setDeviceId(device)
                .build())));
    }

    @Override
    public void destroyHome(String home) {
        rpc(() -> stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build()));
    }

    @Override
    public <T> T call(Function<HomeService, T> inProcess, Function<CirqueServiceBlockingStub, T> overGrpc) {
        return rpc(() -> overGrpc.apply(stub));
    }

    @Override
    public LinkState links(String home, String medium) {
        return rpc(() -> stub.getLinkConditions(GetLinkConditionsRequest.newBuilder().setHomeId(home)
                .setMedium(medium).build()));
    }

    @Override
    public LinkState setLink(SetLinkConditionsRequest request) {
        return rpc(() -> stub.setLinkConditions(request));
    }

    @Override
    public LinkState partition(PartitionRequest request) {
        return rpc(() -> stub.partitionHome(request));
    }

    @Override
    public LinkState heal(HealRequest request) {
        return rpc(() -> stub.healHome(request));
    }

    @Override
    public LinkState seed(dev.cirque.proto.SeedLinksRequest request) {
        return rpc(() -> stub.seedLinks(request));
    }

    @Override
    public String describe() {
        return "daemon at " + target;
    }

    @Override
    public void close() {
        daemon.close();
    }

    /** Runs one RPC; its failure arrives as a {@link CirqueException}, like the local backend's. */
    @Override
    public List<String> media() {
        return rpc(() -> mediumStub.listMedia(ListMediaRequest.getDefaultInstance())).getMediaList();
    }

    @Override
    public Map<String, Object> describeMedium(String home, String medium) {
        return MediumMessages.parse(rpc(() -> mediumStub.describeMedium(mediumRequest(home, medium))).getJson());
    }

    @Override
    public CaptureState captureMedium(String home, String medium, boolean start) {
        return MediumMessages.captureState(rpc(() -> mediumStub.setMediumCapture(MediumCaptureRequest.newBuilder()
                .setHomeId(home).setMedium(medium).setCapture(start).build())));
    }

    @Override
    public byte[] mediumCapture(String home, String medium) {
        return rpc(() -> {
            java.io.ByteArrayOutputStream pcap = new java.io.ByteArrayOutputStream();
            mediumStub.getMediumCapture(mediumRequest(home, medium)).forEachRemaining(c -> pcap.writeBytes(c.getData().toByteArray()));
            return pcap.toByteArray();
        });
    }

    @Override
    public byte[] recording(String home) {
        return rpc(() -> {
            java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
            recordingStub.getRecording(RecordingRequest.newBuilder().setHomeId(home).build())
                    .forEachRemaining(c -> zip.writeBytes(c.getData().toByteArray()));
            return zip.toByteArray();
        });
    }

    private static MediumRequest mediumRequest(String home, String medium) {
        return MediumRequest.newBuilder().setHomeId(home).setMedium(medium).build();
    }

    private synchronized DeviceSpecs specs() {
        if (specs == null) {
            specs = new DeviceSpecs(CapabilityRegistry.fromClassPath());
        }
        return specs;
    }

    private static <T> T rpc(Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw toCirque(e);
        }
    }

    static CirqueException toCirque(StatusRuntimeException e) {
        CirqueException.Kind kind = switch (e.getStatus().getCode()) {
            case NOT_FOUND -> CirqueException.Kind.NOT_FOUND;
            case INVALID_ARGUMENT -> CirqueException.Kind.INVALID_ARGUMENT;
            case FAILED_PRECONDITION -> CirqueException.Kind.FAILED_PRECONDITION;
            case RESOURCE_EXHAUSTED -> CirqueException.Kind.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> CirqueException.Kind.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> CirqueException.Kind.DEADLINE_EXCEEDED;
            default -> CirqueException.Kind.INTERNAL;
        };
        String message = e.getStatus().getDescription();
        if (kind == CirqueException.Kind.UNAVAILABLE) {
            message = "cannot reach the cirque daemon: " + message;
        }
        return new CirqueException(kind, message == null ? e.getStatus().getCode().name() : message, e);
    }

    private Device view(CirqueDevice d) {
        NodeSpec spec = specs().toNodeSpec(d.getDeviceSpecification());
        return new Device(d.getDeviceId(), d.getDeviceName(), spec.deviceType(), spec.image(),
                d.getDeviceDescription().getIpv4Addr(), d.getDeviceDescription().getIpv6Addr(),
                spec.capabilities().stream().map(c -> c.name()).toList(), d.getDeviceDescription().getState());
    }
}
