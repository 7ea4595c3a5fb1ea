package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.HomeEvent;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.PowerDeviceRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.WatchHomeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Powering nodes off and on without removing them, and nodes that exit on their own: real
 * daemon, real containers, Docker's own events.
 */
class NodePowerTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    @Test
    void aNodePoweredOffKeepsItsFilesRefusesCommandsAndComesBackOnItsLinks() throws Exception {
        String home = daemon.newHome();
        CirqueDevice a = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        CirqueDevice b = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        Iterator<HomeEvent> events = CirqueServiceGrpc.newBlockingStub(daemon.channel)
                .withDeadlineAfter(3, TimeUnit.MINUTES)
                .watchHome(WatchHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals("WATCHING", events.next().getKind());
        daemon.exec(home, a, "sh -c 'echo kept > /var/tmp/mark'");
        daemon.stub.setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home)
                .setFromDeviceId(a.getDeviceId()).setConditions(LinkConditions.newBuilder().setLatencyMs(150)).build());
        assertEquals("running", daemon.stub.queryCirqueDevice(dev.cirque.proto.QueryCirqueDeviceRequest.newBuilder()
                .setHomeId(home).setDeviceId(a.getDeviceId()).build()).getDevice().getDeviceDescription().getState());

        CirqueDevice off = daemon.stub.powerOffDevice(power(home, a).setGraceSeconds(1).build());
        assertEquals("powered_off", off.getDeviceDescription().getState());
        assertEquals("powered_off", daemon.httpState(home, a.getDeviceId()).get("state").asText());
        assertEquals("false", docker("inspect", "-f", "{{.State.Running}}", a.getDeviceName()).strip(),
                "the container is stopped, not removed");
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> daemon.exec(home, a, "true"));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("powered off"), refused.getStatus().getDescription());
        assertEquals("powered_off", daemon.stub.powerOffDevice(power(home, a).build()).getDeviceDescription()
                .getState(), "powering off twice is no error");

        CirqueDevice on = daemon.stub.powerOnDevice(power(home, a).build());
        assertEquals("running", on.getDeviceDescription().getState());
        assertEquals("kept", daemon.exec(home, a, "cat /var/tmp/mark").strip(), "its files are as they were");
        // Back on the media with the home's conditions: its packets still wait 150 ms.
        double rtt = pingRtt(home, a, b.getDeviceDescription().getIpv4Addr());
        assertTrue(rtt >= 150, "round trip " + rtt + " ms: the node's egress latency holds after power-on");

        List<String> kinds = new ArrayList<>();
        daemon.stopHome(home);
        events.forEachRemaining(e -> {
            if (e.getKind().startsWith("NODE_") || e.getKind().equals("HOME_STOPPED")) {
                kinds.add(e.getKind() + (e.getDeviceId().isEmpty() ? "" : "@" + (e.getDeviceId().equals(a
                        .getDeviceId()) ? "a" : "b")));
            }
        });
        assertEquals(List.of("NODE_STOPPED@a", "NODE_STARTED@a", "HOME_STOPPED"), kinds);
        assertEquals(List.of(), daemon.leftovers(home));
    }

    @Test
    void aNodeKilledFromOutsideIsSeenToExitAndCanBePoweredOnAgain() throws Exception {
        String home = daemon.newHome();
        CirqueDevice a = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        Iterator<HomeEvent> events = CirqueServiceGrpc.newBlockingStub(daemon.channel)
                .withDeadlineAfter(3, TimeUnit.MINUTES)
                .watchHome(WatchHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals("WATCHING", events.next().getKind());

        docker("kill", a.getDeviceName()); // not through the daemon: as a crash would
        HomeEvent exited = next(events, "NODE_EXITED");
        assertEquals(a.getDeviceId(), exited.getDeviceId());
        assertEquals("137", exited.getDetailOrThrow("exit_code"), "SIGKILL");
        assertEquals("exited", daemon.httpState(home, a.getDeviceId()).get("state").asText());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> daemon.exec(home, a, "true"));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("exited (code 137)"),
                refused.getStatus().getDescription());

        daemon.stub.powerOnDevice(power(home, a).build());
        assertEquals("NODE_STARTED", next(events, "NODE_STARTED").getKind());
        assertEquals("ok", daemon.exec(home, a, "echo ok").strip());
        daemon.stopHome(home);
        assertEquals("HOME_STOPPED", next(events, "HOME_STOPPED").getKind(),
                "the daemon's own removal is no exit: nothing between");
        assertEquals(List.of(), daemon.leftovers(home));
    }

    @Test
    void unknownDevicesAndBadGracePeriodsAreRefused() throws Exception {
        String home = daemon.newHome();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> daemon.stub.powerOnDevice(
                PowerDeviceRequest.newBuilder().setHomeId(home).setDeviceId("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        CirqueDevice a = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        // One rule for every front, core's: the same status and message over gRPC and HTTP.
        e = assertThrows(StatusRuntimeException.class, () -> daemon.stub.powerOffDevice(power(home, a)
                .setGraceSeconds(100_000).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("grace_seconds must be 0..3600, got 100000", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class, () -> daemon.stub.powerOffDevice(power(home, a)
                .setGraceSeconds(-5).build())); // uint32 4294967291 on the wire
        assertEquals("grace_seconds must be 0..3600, got -5", e.getStatus().getDescription());
        for (String grace : List.of("100000", "-5")) {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.httpPort()
                            + "/power_off/" + home + "/" + a.getDeviceId() + "?grace_seconds=" + grace))
                            .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("grace_seconds must be 0..3600, got " + grace), r.body());
        }
        assertEquals("running", daemon.stub.powerOnDevice(power(home, a).build()).getDeviceDescription().getState(),
                "powering on a running node leaves it as it is");
        daemon.stopHome(home);
    }

    /** The next event of {@code kind}, failing on a home's end before it. */
    private static HomeEvent next(Iterator<HomeEvent> events, String kind) {
        List<String> before = new ArrayList<>();
        while (events.hasNext()) {
            HomeEvent e = events.next();
            if (e.getKind().equals(kind)) {
                return e;
            }
            if (e.getKind().startsWith("NODE_") || e.getKind().equals("HOME_STOPPED")) {
                before.add(e.getKind());
            }
        }
        throw new AssertionError("no " + kind + " event; node events before the stream ended: " + before);
    }

    private static PowerDeviceRequest.Builder power(String home, CirqueDevice d) {
        return PowerDeviceRequest.newBuilder().setHomeId(home).setDeviceId(d.getDeviceId());
    }

    private static double pingRtt(String home, CirqueDevice from, String to) {
        String out = daemon.exec(home, from, "ping -c 3 -i 0.2 -W 5 " + to);
        Matcher m = Pattern.compile("= [0-9.]+/([0-9.]+)/").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    private static String docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }
}
