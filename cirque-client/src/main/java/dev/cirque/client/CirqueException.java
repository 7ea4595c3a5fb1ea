package dev.cirque.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The daemon refused or failed a call: its status code and its own message. */
public class CirqueException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final Status.Code code;

    CirqueException(StatusRuntimeException cause) {
        super(cause.getStatus().getCode() + ": " + cause.getStatus().getDescription(), cause);
        this.code = cause.getStatus().getCode();
    }

    protected CirqueException(String message) {
        super(message);
        this.code = Status.Code.UNKNOWN;
    }

    /** The gRPC status code (NOT_FOUND, INVALID_ARGUMENT, RESOURCE_EXHAUSTED ...). */
    public Status.Code code() {
        return code;
    }
}
