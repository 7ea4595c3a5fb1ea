package dev.cirque.core;

/**
 * The one exception the core throws at its callers. Each front (gRPC, HTTP, CLI) maps
 * {@link Kind} to its own status in exactly one place, so the message written here is
 * what a client reads: it says what failed and, where it can, what to do about it.
 */
public final class CirqueException extends RuntimeException {

    /** What went wrong, in terms a front can map to a status code. */
    public enum Kind {
        /** An id that names no live home or node. */
        NOT_FOUND,
        /** The request itself is wrong (missing field, bad value, unknown capability). */
        INVALID_ARGUMENT,
        /** The request is fine but this host or daemon cannot serve it as it stands. */
        FAILED_PRECONDITION,
        /** A limit was reached (addresses, ids, configured caps). */
        RESOURCE_EXHAUSTED,
        /** The container engine does not answer. */
        UNAVAILABLE,
        /** The operation ran out of time. */
        DEADLINE_EXCEEDED,
        /** A bug or an engine answer we did not expect. */
        INTERNAL
    }

    private final Kind kind;
    private final String device;

    public CirqueException(Kind kind, String message) {
        this(kind, message, null);
    }

    public CirqueException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, null);
    }

    private CirqueException(Kind kind, String message, Throwable cause, String device) {
        super(message, cause);
        this.kind = kind;
        this.device = device;
    }

    public Kind kind() {
        return kind;
    }

    /** The device of a topology this error is about (its key in the topology), or null. */
    public String device() {
        return device;
    }

    /** The same error, said of one device of a topology. */
    public CirqueException forDevice(String key) {
        CirqueException wrapped = new CirqueException(kind, "device '" + key + "': " + getMessage(), getCause(), key);
        wrapped.setStackTrace(getStackTrace());
        return wrapped;
    }

    public static CirqueException notFound(String message) {
        return new CirqueException(Kind.NOT_FOUND, message);
    }

    public static CirqueException invalid(String message) {
        return new CirqueException(Kind.INVALID_ARGUMENT, message);
    }

    public static CirqueException precondition(String message) {
        return new CirqueException(Kind.FAILED_PRECONDITION, message);
    }

    /** The same error with its message prefixed by the step that failed. */
    public CirqueException during(String step) {
        CirqueException wrapped = new CirqueException(kind, step + ": " + getMessage(), getCause(), device);
        wrapped.setStackTrace(getStackTrace());
        return wrapped;
    }
}
