package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Eight clients at once, ten rounds each: home, three nodes, commands, teardown. */
class ConcurrencyTest {

    @Test
    void eightClientsTenRoundsKeepTheRegistryConsistentAndLeakNothing() throws Exception {
        try (TestDaemon daemon = new TestDaemon()) {
            AtomicInteger operations = new AtomicInteger();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            List<String> homes = Collections.synchronizedList(new ArrayList<>());
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                runs.add(CompletableFuture.runAsync(() -> {
                    for (int round = 0; round < 10; round++) {
                        try {
                            oneRound(daemon, operations, homes);
                        } catch (RuntimeException | AssertionError e) {
                            failures.add(e.toString());
                        }
                    }
                }, clients));
            }
            runs.forEach(CompletableFuture::join);
            clients.shutdown();
            System.out.println("concurrency: 8 clients x 10 rounds; operations done: " + operations.get()
                    + "; failures: " + failures.size());
            assertEquals(List.of(), failures);
            assertEquals(80, homes.size());
            List<String> left = daemon.stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdList();
            for (String h : homes) {
                assertFalse(left.contains(h), "the registry still lists " + h);
                assertEquals(List.of(), daemon.leftovers(h));
            }
        }
    }

    private static void oneRound(TestDaemon d, AtomicInteger ops, List<String> homes) {
        String home = d.stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
        homes.add(home);
        ops.incrementAndGet();
        List<CirqueDevice> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(d.stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                    .setSpecification(DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)).build())
                    .getDevice());
            ops.incrementAndGet();
        }
        for (CirqueDevice n : nodes) {
            String out = d.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                    .setDeviceId(n.getDeviceId()).setCommand("hostname -i").build()).getOutput();
            assertEquals(n.getDeviceDescription().getIpv4Addr(), out.strip());
            ops.incrementAndGet();
        }
        assertEquals(3, d.stub.listCirqueHomeDevices(ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build())
                .getDevicesCount());
        ops.incrementAndGet();
        d.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        ops.incrementAndGet();
    }
}
