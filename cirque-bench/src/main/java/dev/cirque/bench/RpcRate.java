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
import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
 * (the JIT of both ends); the no-op before and after the others. Twice: with the generated stubs
 * (answers parsed), then with answers taken as bytes, the daemon's own rate (the speed issue's
 * target: the list and query calls at 0.8 of the no-op's rate or more).
 */
final class RpcRate {

    private static final int IN_FLIGHT = 64;

    private final BenchDaemon daemon;
    private final String image;
    private final LinkBench.Rows rows;
    private ManagedChannel channel;

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
        // Answers handled on the transport's thread: the default hands each to a pool thread, which
        // cost this client more than the daemon spends on the call.
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", daemon.port).usePlaintext()
                .directExecutor().build();
        this.channel = channel;
        try {
            CirqueServiceGrpc.CirqueServiceFutureStub cirque = CirqueServiceGrpc.newFutureStub(channel);
            HealthGrpc.HealthFutureStub health = HealthGrpc.newFutureStub(channel);
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
            rows.row("ListCirqueHomeDevices, 30-node home, " + how + ", answers parsed", perSecond(listed),
                    perSecond(baseline), ratio(listed / baseline), "", null);
            rows.row("QueryCirqueDevice, " + how + ", answers parsed", perSecond(queried), perSecond(baseline),
                    ratio(queried / baseline), "", null);

            // The same calls from a client that takes each answer as bytes, as a load generator does:
            // the generated stub's parsing of a 30-device answer costs this JVM (on the same vCPUs)
            // more than the daemon spends serving it, and would be measured instead of the daemon.
            double rawNoop = rate(() -> raw(HealthGrpc.getCheckMethod(), HealthCheckRequest.getDefaultInstance()));
            double rawList = rate(() -> raw(CirqueServiceGrpc.getListCirqueHomeDevicesMethod(), list));
            double rawQuery = rate(() -> raw(CirqueServiceGrpc.getQueryCirqueDeviceMethod(), query));
            double rawNoopAgain = rate(() -> raw(HealthGrpc.getCheckMethod(), HealthCheckRequest.getDefaultInstance()));
            double rawBaseline = (rawNoop + rawNoopAgain) / 2;
            String rawHow = how + ", answers as bytes";
            rows.row("no-op RPC (health Check), " + rawHow, perSecond(rawBaseline), "", String.format(Locale.ROOT,
                    "%.0f then %.0f", rawNoop, rawNoopAgain), "", null);
            rows.row("ListCirqueHomeDevices, 30-node home, " + rawHow, perSecond(rawList), perSecond(rawBaseline),
                    ratio(rawList / rawBaseline), ">= 0.80", rawList / rawBaseline >= 0.8);
            rows.row("QueryCirqueDevice, " + rawHow, perSecond(rawQuery), perSecond(rawBaseline),
                    ratio(rawQuery / rawBaseline), ">= 0.80", rawQuery / rawBaseline >= 0.8);
        } finally {
            channel.shutdownNow();
            daemon.stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home.getHomeId()).build());
        }
    }

    /** Bytes in and out, unparsed. */
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** {@code method} called with {@code request}, its answer taken as bytes. */
    private ListenableFuture<byte[]> raw(MethodDescriptor<?, ?> method, MessageLite request) {
        MethodDescriptor<byte[], byte[]> bytes = method.toBuilder(BYTES, BYTES).build();
        return ClientCalls.futureUnaryCall(channel.newCall(bytes, CallOptions.DEFAULT), request.toByteArray());
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
