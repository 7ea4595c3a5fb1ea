package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.home.Labels;
import dev.cirque.core.host.HostAllocator;
import dev.cirque.core.host.HostLedger;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.proto.ThreadCapability;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons on one host, each on its own ports and with {@code --keep-orphans} (so
 * neither sweeps the other): the host's numbered resources come from one allocator, so
 * their Thread networks never share a UDP port group; and a daemon killed with SIGKILL
 * leaves leases that the next start's sweep frees. Radios are the stand-in of ThreadTest.
 */
class TwoDaemonsTest {

    @TempDir
    Path dir;
    private final DaemonProcess.Group daemons = new DaemonProcess.Group();

    @AfterEach
    void end() throws Exception {
        daemons.close();
    }

    @Test
    void threadHomesOfTwoDaemonsNeverSharePortGroups() throws Exception {
        Path bin = StandInRadios.install(dir);
        CirqueServiceGrpc.CirqueServiceBlockingStub a = daemon(bin, "--keep-orphans");
        CirqueServiceGrpc.CirqueServiceBlockingStub b = daemon(bin, "--keep-orphans");
        CreateCirqueHomeWithDevicesResponse homeA = threadHome(a);
        CreateCirqueHomeWithDevicesResponse homeB = threadHome(b);
        Set<Integer> offsetsA = offsetsOf(homeA);
        Set<Integer> offsetsB = offsetsOf(homeB);
        assertEquals(4, java.util.stream.Stream.concat(offsetsA.stream(), offsetsB.stream()).distinct().count(),
                "every radio of either daemon its own port group: " + offsetsA + " " + offsetsB);

        HostAllocator allocator = HostLedger.defaultLedger().allocator();
        Set<Long> owners = allocator.held().stream()
                .filter(h -> h.pool().equals("thread-port-offset")
                        && (offsetsA.contains(h.number()) || offsetsB.contains(h.number())))
                .map(h -> h.owner().pid()).collect(Collectors.toSet());
        assertEquals(Set.of(daemons.get(0).process.pid(), daemons.get(1).process.pid()), owners,
                "each lease names the daemon holding it");

        // Daemon B dies without its teardown; the next daemon's start-up sweep frees what it held.
        daemons.get(1).process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        daemon(bin);
        assertTrue(allocator.held().stream().noneMatch(h -> h.pool().equals("thread-port-offset")
                && offsetsB.contains(h.number())), "B's port groups are free again");
        try (DockerEngine engine = DockerEngine.connect(null)) {
            assertEquals(List.of(), engine.containersLabelled(Labels.home(homeB.getHomeId())));
            assertEquals(2, engine.containersLabelled(Labels.home(homeA.getHomeId())).size(),
                    "a live daemon's home is not swept");
        }

        a.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(homeA.getHomeId()).build());
        assertTrue(allocator.held().stream().noneMatch(h -> h.pool().equals("thread-port-offset")
                && offsetsA.contains(h.number())), "a stopped home gives its port groups back");
    }

    private CirqueServiceGrpc.CirqueServiceBlockingStub daemon(Path bin, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--ot-bin-dir", bin.toString()));
        args.addAll(List.of(more));
        return daemons.start(args.toArray(String[]::new));
    }

    private static CreateCirqueHomeWithDevicesResponse threadHome(CirqueServiceGrpc.CirqueServiceBlockingStub stub) {
        CreateCirqueHomeWithDevicesRequest.Builder home = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (String key : List.of("n0", "n1")) {
            home.putDevices(key, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                    .setThreadCapability(ThreadCapability.getDefaultInstance()).build());
        }
        return stub.createCirqueHomeWithDevices(home.build());
    }

    /** The port offset every node of the home has (one Thread network per home). */
    /** The port offsets of the home's radios: one each. */
    private static Set<Integer> offsetsOf(CreateCirqueHomeWithDevicesResponse home) {
        return home.getDevicesMap().values().stream().map(TwoDaemonsTest::offsetOf).collect(Collectors.toSet());
    }

    private static int offsetOf(CirqueDevice d) {
        return (int) d.getDeviceDescription().getCapabilitiesMap().get("Thread").getFieldsMap().get("port_offset")
                .getNumberValue();
    }
}
