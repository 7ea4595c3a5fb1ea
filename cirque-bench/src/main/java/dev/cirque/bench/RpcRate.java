package dev.cirque.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.QueryCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Calls per second of the registry-answered RPCs against a no-op RPC on the same server
 * (the health service's Check), in the same run: one async client holding {@value #IN_FLIGHT}
 * calls in flight, 2 s of warm-up, 5 s counted, per RPC, after a first round not counted
 * (the JIT of both ends); the no-op before and after the others. The speed issue's target: the
 * list and query calls at 0.8 of the no-op's rate or more.
 */
final class RpcRate {

    private static final int IN_FLIGHT = 64;

    private final BenchDaemon daemon;
    private final String image;
    private final LinkBench.Rows rows;

    RpcRate(BenchDaemon daemon, String image, LinkBench.Rows rows) {
        this.daemon = daemon;
        this.image = image;
        this.rows = rows;
    }

    void run() throws Exception {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 0; i < 30; i++) {
            b.putDevices(String.format(Locale.ROOT, "node%02d", i), DeviceSpecification.newBuilder().setDeviceType(image)
                    .build());
        }
        CreateCirqueHomeWithDevicesResponse home = daemon.stub().createCirqueHomeWithDevices(b.build());
        try {
            CirqueServiceGrpc.CirqueServiceFutureStub cirque = CirqueServiceGrpc.newFutureStub(daemon.channel);
            HealthGrpc.HealthFutureStub health = HealthGrpc.newFutureStub(daemon.channel);
            ListCirqueHomeDevicesRequest list = ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home.getHomeId())
                    .build();
            QueryCirqueDeviceRequest query = QueryCirqueDeviceRequest.newBuilder().setHomeId(home.getHomeId())
                    .setDeviceId(home.getDevicesMap().values().iterator().next().getDeviceId()).build();
            rate(() -> cirque.listCirqueHomeDevices(list)); // not counted: both ends' JIT warms up on it
            double noop = rate(() -> health.check(HealthCheckRequest.getDefaultInstance()));
            double listed = rate(() -> cirque.listCirqueHomeDevices(list));
            double queried = rate(() -> cirque.queryCirqueDevice(query));
            double noopAgain = rate(() -> health.check(HealthCheckRequest.getDefaultInstance()));
            double baseline = (noop + noopAgain) / 2; // before and after: the machine's drift shows
            String how = IN_FLIGHT + " in flight, async";
            rows.row("no-op RPC (health Check), " + how, perSecond(baseline), "", String.format(Locale.ROOT,
                    "%.0f then %.0f", noop, noopAgain), "", null);
            rows.row("ListCirqueHomeDevices, 30-node home, " + how, perSecond(listed), perSecond(baseline),
                    ratio(listed / baseline), ">= 0.80", listed / baseline >= 0.8);
            rows.row("QueryCirqueDevice, " + how, perSecond(queried), perSecond(baseline), ratio(queried / baseline),
                    ">= 0.80", queried / baseline >= 0.8);
        } finally {
            daemon.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home.getHomeId()).build());
        }
    }

    /** Calls per second with {@value #IN_FLIGHT} always outstanding. */
    private static double rate(Supplier<ListenableFuture<?>> call) throws InterruptedException {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        LongAdder done = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        long end = warmEnd + TimeUnit.SECONDS.toNanos(5);
        long t0 = 0;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (!counting.get() && now >= warmEnd) {
                counting.set(true);
                t0 = now;
            }
            slots.acquire();
            Futures.addCallback(call.get(), new FutureCallback<Object>() {
                @Override
                public void onSuccess(Object result) {
                    if (counting.get()) {
                        done.increment();
                    }
                    slots.release();
                }

                @Override
                public void onFailure(Throwable t) {
                    failed.increment();
                    slots.release();
                }
            }, MoreExecutors.directExecutor());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        slots.acquire(IN_FLIGHT); // let the last calls finish before the next measurement
        if (failed.sum() > 0) {
            throw new IllegalStateException(failed.sum() + " calls failed");
        }
        return done.sum() / seconds;
    }

    private static String perSecond(double r) {
        return String.format(Locale.ROOT, "%,.0f/s", r);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }
}
