package dev.cirque.client;

import io.grpc.StatusRuntimeException;
import java.util.function.Supplier;

/** Turns the daemon's gRPC errors into {@link CirqueException}s that carry its message. */
final class Calls {

    private Calls() {}

    static <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw new CirqueException(e);
        }
    }
}
