package dev.cirque.server.http;

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
}
