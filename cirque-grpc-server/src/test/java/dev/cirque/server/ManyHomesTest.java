package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scale on one host. More homes than Docker's default address pools hold (about 30
 * networks): each home's network takes a /24 of the daemon's own range (--home-subnets);
 * before it, the 31st home failed. And a 100-node home torn down whole: Docker 20.10 kept
 * stale endpoints after the parallel removal, and the network's removal failed. The
 * 200-home figures are the benchmark's ({@code scripts/bench.sh --only homes}).
 */
class ManyHomesTest {

    private static final int HOMES = 36;

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    @Test
    void moreHomesThanDockersDefaultPoolsEachOnItsOwnSubnet() throws Exception {
        List<CreateCirqueHomeWithDevicesResponse> made = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<CreateCirqueHomeWithDevicesResponse>> pending = new ArrayList<>();
            for (int i = 0; i < HOMES; i++) {
                pending.add(callers.submit(() -> daemon.stub.createCirqueHomeWithDevices(
                        CreateCirqueHomeWithDevicesRequest.newBuilder()
                                .putDevices("a", DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build())
                                .putDevices("b", DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build())
                                .build())));
            }
            for (Future<CreateCirqueHomeWithDevicesResponse> f : pending) {
                made.add(f.get());
            }
            Set<String> subnets = made.stream().flatMap(h -> h.getDevicesMap().values().stream())
                    .map(d -> d.getDeviceDescription().getIpv4Addr())
                    .map(ip -> ip.substring(0, ip.lastIndexOf('.'))).collect(Collectors.toSet());
            assertEquals(HOMES, subnets.size(), "one /24 per home: " + subnets);
            assertTrue(subnets.stream().allMatch(s -> {
                int second = Integer.parseInt(s.split("\\.")[1]);
                return s.startsWith("10.") && second >= 192 && second <= 207;
            }), "all in 10.192.0.0/12: " + subnets);
        } finally {
            for (CreateCirqueHomeWithDevicesResponse h : made) {
                callers.submit(() -> daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder()
                        .setHomeId(h.getHomeId()).build()));
            }
            callers.shutdown();
            callers.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
        }
        for (CreateCirqueHomeWithDevicesResponse h : made) {
            assertEquals(List.of(), daemon.leftovers(h.getHomeId()));
        }
    }

    @Test
    void aHundredNodeHomeIsTornDownWhole() {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 0; i < 100; i++) {
            b.putDevices("n" + i, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build());
        }
        String home = daemon.stub.createCirqueHomeWithDevices(b.build()).getHomeId();
        assertEquals(101, daemon.leftovers(home).size(), "100 containers and the home's network");
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals(List.of(), daemon.leftovers(home));
        assertTrue(daemon.stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdList().isEmpty());
    }
}
