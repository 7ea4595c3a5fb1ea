package dev.cirque.server.wire;

import dev.cirque.core.CirqueException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place core errors become gRPC statuses. */
public final class GrpcErrors {

    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);
    /** Status messages travel in a header; keep them well under common 8 KiB header limits. */
    static final int MAX_MESSAGE_CHARS = 4000;

    private GrpcErrors() {}

    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (t instanceof CirqueException e) {
            Status status = switch (e.kind()) {
                case NOT_FOUND -> Status.NOT_FOUND;
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
                case INTERNAL -> Status.INTERNAL;
            };
            if (e.kind() == CirqueException.Kind.INTERNAL) {
                log.error("internal error: {}", e.getMessage(), e);
            }
            return status.withDescription(clip(e.getMessage())).asRuntimeException();
        }
        log.error("unexpected error", t);
        return Status.INTERNAL.withDescription(clip("unexpected error: " + t)).asRuntimeException();
    }

    /** Keeps the end of a long text, where a failing command usually says why. */
    public static String clip(String text) {
        if (text == null || text.length() <= MAX_MESSAGE_CHARS) {
            return text;
        }
        int cut = text.length() - MAX_MESSAGE_CHARS;
        return "[" + cut + " characters cut] " + text.substring(cut);
    }

    /** Answers one message made by {@code work}, or the status its failure maps to. */
    public static <T> void reply(io.grpc.stub.StreamObserver<T> out, java.util.function.Supplier<T> work) {
        T response;
        try {
            response = work.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
