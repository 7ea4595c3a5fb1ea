package dev.cirque.server.grpc;

import com.google.protobuf.ByteString;
import dev.cirque.core.home.HomeRecordings;
import dev.cirque.proto.RecordingChunk;
import dev.cirque.proto.RecordingRequest;
import dev.cirque.proto.RecordingServiceGrpc;
import dev.cirque.server.wire.GrpcErrors;
import io.grpc.stub.StreamObserver;

/** {@code RecordingService}: a home's recording, translated from {@link HomeRecordings}. */
public final class RecordingGrpcService extends RecordingServiceGrpc.RecordingServiceImplBase {

    private final HomeRecordings recordings;

    public RecordingGrpcService(HomeRecordings recordings) {
        this.recordings = recordings;
    }

    @Override
    public void getRecording(RecordingRequest request, StreamObserver<RecordingChunk> out) {
        byte[] zip;
        try {
            zip = recordings.zip(request.getHomeId());
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
            return;
        }
        for (int at = 0; at < zip.length; at += MediumGrpcService.CHUNK_BYTES) {
            out.onNext(RecordingChunk.newBuilder().setData(ByteString.copyFrom(zip, at,
                    Math.min(MediumGrpcService.CHUNK_BYTES, zip.length - at))).build());
        }
        out.onCompleted();
    }
}
