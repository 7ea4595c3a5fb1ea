package dev.cirque.server.grpc;

import com.google.protobuf.ByteString;
import dev.cirque.core.home.HomeMedia;
import dev.cirque.proto.CaptureChunk;
import dev.cirque.proto.ListMediaRequest;
import dev.cirque.proto.MediaList;
import dev.cirque.proto.MediumCaptureRequest;
import dev.cirque.proto.MediumCaptureState;
import dev.cirque.proto.MediumDescription;
import dev.cirque.proto.MediumRequest;
import dev.cirque.proto.MediumServiceGrpc;
import dev.cirque.server.wire.GrpcErrors;
import dev.cirque.server.wire.MediumMessages;
import io.grpc.stub.StreamObserver;

/** {@code MediumService}: any medium by name, translated to {@link HomeMedia} and back. */
public final class MediumGrpcService extends MediumServiceGrpc.MediumServiceImplBase {

    /** Chunks of a capture on the wire, well under gRPC's default message limit. */
    static final int CHUNK_BYTES = 1 << 20;

    private final HomeMedia media;

    public MediumGrpcService(HomeMedia media) {
        this.media = media;
    }

    @Override
    public void listMedia(ListMediaRequest request, StreamObserver<MediaList> out) {
        GrpcErrors.reply(out, () -> MediaList.newBuilder().addAllMedia(media.names()).build());
    }

    @Override
    public void describeMedium(MediumRequest request, StreamObserver<MediumDescription> out) {
        GrpcErrors.reply(out, () -> MediumMessages.description(media, request.getHomeId(), request.getMedium()));
    }

    @Override
    public void setMediumCapture(MediumCaptureRequest request, StreamObserver<MediumCaptureState> out) {
        GrpcErrors.reply(out, () -> MediumMessages.captureState(media.capture(request.getHomeId(),
                request.getMedium(), request.getCapture())));
    }

    @Override
    public void getMediumCapture(MediumRequest request, StreamObserver<CaptureChunk> out) {
        byte[] pcap;
        try {
            pcap = media.captured(request.getHomeId(), request.getMedium());
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
            return;
        }
        for (int at = 0; at < pcap.length; at += CHUNK_BYTES) {
            out.onNext(CaptureChunk.newBuilder().setData(ByteString.copyFrom(pcap, at,
                    Math.min(CHUNK_BYTES, pcap.length - at))).build());
        }
        out.onCompleted();
    }
}
