package dev.cirque.server.grpc;

import dev.cirque.core.home.HomeEvent;
import dev.cirque.core.home.HomeEvents;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Feeds one WatchHome call from its subscription when there is something to send and the
 * client reads: woken by a new event and by the transport's readiness, never waiting in a
 * thread of its own. A client that does not read is not written to: its events wait in the
 * subscription's bounded buffer, where the drop policy applies, instead of piling up in the
 * transport.
 */
final class WatchFeed {

    /** Checks that a watched home still exists: one stopped just before its watch began sent its end to no one. */
    private static final ScheduledExecutorService CHECKS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cirque-watch-check");
        t.setDaemon(true);
        return t;
    });
    private static final long CHECK_SECONDS = 2;

    private final ServerCallStreamObserver<dev.cirque.proto.HomeEvent> call;
    private final HomeEvents.Subscription events;
    private final boolean oneHome;
    private final Executor executor;
    /** Drains asked for and not yet done: only the first asker drains, the others make it go round again. */
    private final AtomicInteger asked = new AtomicInteger();
    private volatile boolean ended;
    private volatile boolean homeGone;
    private volatile ScheduledFuture<?> check;

    /**
     * @param oneHome whether this watches one home (the call completes after HOME_STOPPED, or when
     *     {@code homeStillThere} says it is gone) rather than every home (until the client leaves)
     * @param executor where draining runs; drains of one feed never overlap
     */
    WatchFeed(ServerCallStreamObserver<dev.cirque.proto.HomeEvent> call, HomeEvents.Subscription events,
            boolean oneHome, Executor executor) {
        this.call = call;
        this.events = events;
        this.oneHome = oneHome;
        this.executor = executor;
    }

    /** Sends WATCHING (the watch is in place: nothing from now on is missed), then every event as it comes. */
    void start(BooleanSupplier homeStillThere) {
        call.setOnCancelHandler(this::end);
        call.setOnReadyHandler(this::wake);
        call.onNext(dev.cirque.proto.HomeEvent.newBuilder().setKind("WATCHING")
                .setAtUnixMs(System.currentTimeMillis()).build());
        events.onOffer(this::wake);
        if (oneHome) {
            AtomicInteger missing = new AtomicInteger();
            check = CHECKS.scheduleWithFixedDelay(() -> {
                // Gone at two checks in a row: a home being stopped now still gets its HOME_STOPPED sent.
                if (homeStillThere.getAsBoolean()) {
                    missing.set(0);
                } else if (missing.incrementAndGet() >= 2) {
                    homeGone = true;
                    wake();
                }
            }, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
        }
        wake();
    }

    private void wake() {
        if (!ended) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        if (asked.getAndIncrement() != 0) {
            return;
        }
        do {
            try {
                while (!ended && call.isReady()) {
                    HomeEvent e = events.poll();
                    if (e == null) {
                        if (homeGone) {
                            end(); // what was buffered went first
                            call.onCompleted();
                        }
                        break;
                    }
                    call.onNext(toProto(e));
                    if (oneHome && e.kind() == HomeEvent.Kind.HOME_STOPPED) {
                        end();
                        call.onCompleted();
                    }
                }
            } catch (RuntimeException cancelled) {
                end(); // the call ended under us
            }
        } while (asked.decrementAndGet() != 0);
    }

    private void end() {
        ended = true;
        events.onOffer(() -> { });
        events.close();
        ScheduledFuture<?> c = check;
        if (c != null) {
            c.cancel(false);
        }
    }

    static dev.cirque.proto.HomeEvent toProto(HomeEvent e) {
        return dev.cirque.proto.HomeEvent.newBuilder().setSeq(e.seq()).setAtUnixMs(e.at().toEpochMilli())
                .setKind(e.name()).setDeviceId(e.nodeId()).putAllDetail(e.detail()).setDropped(e.dropped())
                .setHomeId(e.homeId()).build();
    }
}
