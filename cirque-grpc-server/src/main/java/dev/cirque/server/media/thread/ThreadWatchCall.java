package dev.cirque.server.media.thread;

import dev.cirque.capabilities.ThreadMeshes;
import dev.cirque.core.CirqueException;
import dev.cirque.proto.ThreadEvent;
import dev.cirque.proto.WatchThreadRequest;
import dev.cirque.server.wire.GrpcErrors;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;

/** WatchThreadTopology: a home's Thread mesh, each change as it is seen, polled at the asked interval. */
final class ThreadWatchCall {

    private ThreadWatchCall() {}

    /** Until the client leaves (the stream is cancelled) or the home goes (the stream completes). */
    static void run(ThreadMeshes threads, WatchThreadRequest request, StreamObserver<ThreadEvent> out) {
        Context call = Context.current();
        Duration interval = Duration.ofMillis(request.getIntervalMs() == 0 ? 1000
                : Math.max(200, Math.min(60_000, request.getIntervalMs())));
        try {
            threads.home(request.getHomeId()); // an unknown home is NOT_FOUND at once
            threads.watch(request.getHomeId(), interval, new ThreadMeshes.Watcher() {
                @Override
                public void changed(ThreadMeshes.Change change) {
                    out.onNext(ThreadMessages.event(change));
                }

                @Override
                public boolean gone() {
                    return call.isCancelled();
                }
            });
        } catch (CirqueException e) {
            if (call.isCancelled()) {
                return;
            }
            if (e.kind() == CirqueException.Kind.NOT_FOUND && !threads.exists(request.getHomeId())) {
                out.onCompleted(); // the home went: the watch is over
                return;
            }
            out.onError(GrpcErrors.toStatus(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(GrpcErrors.toStatus(new CirqueException(CirqueException.Kind.UNAVAILABLE, "shutting down")));
        } catch (RuntimeException e) {
            if (!call.isCancelled()) {
                out.onError(GrpcErrors.toStatus(e));
            }
        }
    }
}
