package dev.cirque.server.grpc;

import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeService;
import dev.cirque.proto.SessionHeld;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Homes bound to a client's life. A call carrying {@code cirque-session: ID} that creates a
 * home binds it to ID; a {@code HoldSession} call for ID keeps them alive while it stays open,
 * and when it ends (the client closed, or its process died and the kernel closed its socket)
 * they are stopped. A test JVM killed mid-test thus leaves no home running.
 */
final class ClientSessions {

    private static final Logger log = LoggerFactory.getLogger(ClientSessions.class);
    static final Metadata.Key<String> HEADER = Metadata.Key.of("cirque-session", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> SESSION = Context.key("cirque-session");

    private final HomeService homes;
    /** The homes of each held session (guarded by this). */
    private final Map<String, Set<String>> homesBySession = new ConcurrentHashMap<>();
    /** Stops the homes of ended sessions, away from the transport's threads. */
    private final ExecutorService stopper = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cirque-session-end");
        t.setDaemon(true);
        return t;
    });

    ClientSessions(HomeService homes) {
        this.homes = homes;
    }

    /** Puts a call's session header (if any) where {@link #bind} finds it. */
    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                    ServerCallHandler<Q, A> next) {
                String session = headers.get(HEADER);
                if (session == null || session.isEmpty()) {
                    return next.startCall(call, headers);
                }
                return Contexts.interceptCall(Context.current().withValue(SESSION, session), call, headers, next);
            }
        };
    }

    /**
     * Binds a home just made to the calling client's session, if it named one. A session not held
     * (its client gone while the home was being made) has the home stopped at once.
     */
    void bind(String homeId) {
        String session = SESSION.get();
        if (session == null) {
            return;
        }
        synchronized (this) {
            Set<String> bound = homesBySession.get(session);
            if (bound != null) {
                bound.add(homeId);
                return;
            }
        }
        log.info("home {} was made for client session {}, which is not held (its client is gone): stopping it",
                homeId, session);
        stopper.execute(() -> stopQuietly(session, homeId));
    }

    /** A home stopped by its client: nothing to stop when the session ends. */
    void unbind(String homeId) {
        homesBySession.values().forEach(ids -> ids.remove(homeId));
    }

    /** Holds {@code session} until the call ends, then stops the homes bound to it. */
    void hold(String session, StreamObserver<SessionHeld> out) {
        if (session.isEmpty() || session.length() > 128) {
            throw CirqueException.invalid("session_id must be 1 to 128 characters");
        }
        synchronized (this) {
            homesBySession.putIfAbsent(session, ConcurrentHashMap.newKeySet());
        }
        Context.current().addListener(ended -> end(session), stopper);
        out.onNext(SessionHeld.newBuilder().setSessionId(session).build());
    }

    private void end(String session) {
        Set<String> bound;
        synchronized (this) {
            bound = homesBySession.remove(session);
        }
        List<String> live = bound == null ? List.of() : homes.homes().stream().map(h -> h.id())
                .filter(bound::contains).toList();
        if (live.isEmpty()) {
            return;
        }
        log.info("client session {} ended with {} home(s) of its own still running: stopping them", session,
                live.size());
        live.forEach(id -> stopQuietly(session, id));
    }

    private void stopQuietly(String session, String homeId) {
        try {
            homes.stopHome(homeId);
        } catch (CirqueException e) {
            log.warn("client session {}: home {}: {}", session, homeId, e.getMessage());
        }
    }

    void close() {
        stopper.shutdownNow();
    }
}
