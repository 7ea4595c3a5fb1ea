package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Wire compatibility, checked the way a foreign client sees it: this test does not use
 * our generated classes. It writes requests and reads replies field by field with the
 * full method names and field numbers of the contract (shared/reference/cirque-api.md),
 * as a stub generated from Cirque's own protos in another language would.
 */
class WireContractTest {

    private static final String SERVICE = "cirque.proto.CirqueService/";

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass(); // checks nothing is left after the class

    @Test
    void aClientWrittenFromTheContractDrivesAHome() {
        // CreateCirqueHomeResponse {1: string home_id}
        String home = fields(call("CreateCirqueHome", new byte[0])).string(1);
        assertTrue(home.length() > 0);

        // CreateCirqueDeviceRequest {1: home_id; 2: DeviceSpecification {1: device_type;
        //   7: InteractiveCapability {} (present and empty)}}
        byte[] spec = message(w -> {
            w.writeString(1, TestDaemon.NODE_IMAGE);
            w.writeByteArray(7, new byte[0]);
        });
        Fields device = fields(call("CreateCirqueDevice", message(w -> {
            w.writeString(1, home);
            w.writeByteArray(2, spec);
        }))).message(1); // CreateCirqueDeviceResponse {1: CirqueDevice}
        String deviceId = device.string(2);
        String deviceName = device.string(3);
        String ipv4 = device.message(4).string(1); // DeviceDescription {1: ipv4_addr}
        Fields echoed = device.message(1);         // CirqueDevice {1: device_specification}
        assertEquals(TestDaemon.NODE_IMAGE, echoed.string(1));
        assertTrue(echoed.has(7), "interactive_capability (7) echoed as present");
        assertTrue(deviceName.startsWith("cirque-"), deviceName);
        assertTrue(ipv4.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), ipv4);

        // ExecuteDeviceCommandRequest {1: home_id; 2: device_id; 3: command; 4: streaming}
        String output = fields(call("ExecuteDeviceCommand", message(w -> {
            w.writeString(1, home);
            w.writeString(2, deviceId);
            w.writeString(3, "hostname -i");
            w.writeBool(4, false);
        }))).string(1);
        assertEquals(ipv4, output.strip());

        // ListCirqueHomesResponse {1: repeated string home_id}
        assertTrue(fields(call("ListCirqueHomes", new byte[0])).strings(1).contains(home));
        // ListCirqueHomeDevicesResponse {1: repeated CirqueDevice devices}
        Fields listed = fields(call("ListCirqueHomeDevices", message(w -> w.writeString(1, home))));
        assertEquals(1, listed.all(1).size());
        // QueryCirqueDeviceResponse {1: CirqueDevice}
        assertEquals(deviceId, fields(call("QueryCirqueDevice", message(w -> {
            w.writeString(1, home);
            w.writeString(2, deviceId);
        }))).message(1).string(2));
        // GetCirqueDeviceLogRequest {3: uint32 tail}
        call("GetCirqueDeviceLog", message(w -> {
            w.writeString(1, home);
            w.writeString(2, deviceId);
            w.writeUInt32(3, 10);
        }));
        // StopCirqueDevice / StopCirqueHome return google.protobuf.Empty: no bytes.
        assertEquals(0, call("StopCirqueDevice", message(w -> {
            w.writeString(1, home);
            w.writeString(2, deviceId);
        })).length);
        assertEquals(0, call("StopCirqueHome", message(w -> w.writeString(1, home))).length);
        assertEquals(List.of(), daemon.leftovers(home));

        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () ->
                call("ListCirqueHomeDevices", message(w -> w.writeString(1, home))));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    }

    @Test
    void reflectionListsTheServiceByItsContractName() throws Exception {
        // What `grpcurl -plaintext localhost:50051 list` asks.
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(daemon.channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        names.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(s -> s.getName()).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        List<String> services = names.get(10, TimeUnit.SECONDS);
        assertTrue(services.contains("cirque.proto.CirqueService"), services.toString());
        assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
    }

    // --- a minimal protobuf client -------------------------------------------------------

    private static byte[] call(String method, byte[] request) {
        MethodDescriptor<byte[], byte[]> md = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(SERVICE + method)
                .setRequestMarshaller(RAW)
                .setResponseMarshaller(RAW)
                .build();
        return ClientCalls.blockingUnaryCall(daemon.channel,
                md, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.MINUTES), request);
    }

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Writer writer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            writer.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Length-delimited fields of a message by number (all this contract's replies use). */
    private record Fields(Map<Integer, List<ByteString>> byNumber) {
        boolean has(int n) {
            return byNumber.containsKey(n);
        }

        List<ByteString> all(int n) {
            return byNumber.getOrDefault(n, List.of());
        }

        String string(int n) {
            List<ByteString> values = all(n);
            return values.isEmpty() ? "" : values.get(values.size() - 1).toStringUtf8();
        }

        List<String> strings(int n) {
            return all(n).stream().map(ByteString::toStringUtf8).toList();
        }

        Fields message(int n) {
            List<ByteString> values = all(n);
            return fields(values.isEmpty() ? new byte[0] : values.get(values.size() - 1).toByteArray());
        }
    }

    private static Fields fields(byte[] bytes) {
        Map<Integer, List<ByteString>> out = new LinkedHashMap<>();
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    out.computeIfAbsent(WireFormat.getTagFieldNumber(tag), k -> new ArrayList<>())
                            .add(in.readBytes());
                } else {
                    in.skipField(tag);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Fields(out);
    }
}
