package dev.cirque.server.http;

import dev.cirque.core.CirqueException;

/** A reply decided by the routing itself rather than the core. */
final class HttpError extends RuntimeException {
    final int status;
    final String code;
    final String[] headers;

    HttpError(int status, String code, String message, String... headers) {
        super(message);
        this.status = status;
        this.code = code;
        this.headers = headers;
    }

    /** Google's mapping of canonical codes to HTTP, as grpc-gateway uses it. */
    static int status(CirqueException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> 404;
            case INVALID_ARGUMENT, FAILED_PRECONDITION -> 400;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case INTERNAL -> 500;
        };
    }
}
