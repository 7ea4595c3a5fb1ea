package dev.cirque.bench;

import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.StopCirqueHomeRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Many homes on one host at once (the hardening issue's 200 × 3): the time to bring them
 * all up with 16 callers, the daemon's memory with all of them up, failures, and the time
 * to tear them all down. Possible because each home takes a /24 of --home-subnets rather
 * than one of Docker's ~30 default pools.
 */
final class ManyHomes {

    private static final int CALLERS = 16;

    private final BenchDaemon daemon;
    private final String image;
    private final int homes;
    private final int nodesPerHome;
    private final LinkBench.Rows rows;

    ManyHomes(BenchDaemon daemon, String image, int homes, int nodesPerHome, LinkBench.Rows rows) {
        this.daemon = daemon;
        this.image = image;
        this.homes = homes;
        this.nodesPerHome = nodesPerHome;
        this.rows = rows;
    }

    void run() throws Exception {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 0; i < nodesPerHome; i++) {
            b.putDevices("n" + i, DeviceSpecification.newBuilder().setDeviceType(image).build());
        }
        CreateCirqueHomeWithDevicesRequest request = b.build();
        long rss0 = daemon.rssKb();
        List<String> made = Collections.synchronizedList(new ArrayList<>());
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        String label = homes + " homes x " + nodesPerHome + " nodes";
        try {
            System.out.println("[bench] " + label + ": bringing up");
            long t0 = System.nanoTime();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < homes; i++) {
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        made.add(stub().createCirqueHomeWithDevices(request).getHomeId());
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }, callers));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            long up = System.nanoTime() - t0;
            long rssUp = daemon.rssKb();
            rows.row(label + ": all up (" + CALLERS + " callers)", seconds(up), "", String.format(Locale.ROOT,
                    "%.0f ms per home", up / 1e6 / homes), "", null);
            rows.row(label + ": homes that failed", failures.size() + (failures.isEmpty() ? "" : " (first: "
                    + failures.get(0) + ")"), "", "", "0", failures.isEmpty());
            rows.row(label + ": daemon resident memory (idle before)", rssUp / 1024 + " MB", rss0 / 1024 + " MB", "",
                    "", null);
        } finally {
            System.out.println("[bench] " + label + ": tearing down " + made.size());
            long t0 = System.nanoTime();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            List<String> stopFailures = Collections.synchronizedList(new ArrayList<>());
            for (String home : made) {
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        stub().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
                    } catch (RuntimeException e) {
                        stopFailures.add(e.toString());
                    }
                }, callers));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            callers.shutdown();
            rows.row(label + ": all torn down", seconds(System.nanoTime() - t0), "", "", "", null);
            rows.row(label + ": teardowns that failed", Integer.toString(stopFailures.size()), "", "", "0",
                    stopFailures.isEmpty());
        }
    }

    private CirqueServiceGrpc.CirqueServiceBlockingStub stub() {
        return CirqueServiceGrpc.newBlockingStub(daemon.channel).withDeadlineAfter(10, TimeUnit.MINUTES);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
