package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CommandOutput;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.HomeCreationEvent;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.core.testing.Eventually;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** cirque-java's own RPCs: many devices in one call, its streaming form, and streaming exec. */
class BatchAndStreamingTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass(); // checks nothing is left after the class

    @Test
    void aHomeWithManyDevicesInOneCall() {
        CreateCirqueHomeWithDevicesResponse made = daemon.stub.createCirqueHomeWithDevices(request("a", "b", "c"));
        assertEquals(Set.of("a", "b", "c"), made.getDevicesMap().keySet());
        assertEquals(3, made.getDevicesMap().values().stream().map(d -> d.getDeviceDescription().getIpv4Addr())
                .distinct().count());
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(made.getHomeId()).build());
        assertEquals(List.of(), daemon.leftovers(made.getHomeId()));
    }

    @Test
    void aFailingDeviceRollsTheWholeHomeBackAndIsNamed() {
        List<String> before = homes();
        CreateCirqueHomeWithDevicesRequest bad = request("good0", "good1").toBuilder().putDevices("broken",
                DeviceSpecification.newBuilder().setDeviceType("t").setBaseImage("cirque-test/no-such:1").build()).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> daemon.stub.createCirqueHomeWithDevices(bad));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("device 'broken'"), e.getStatus().getDescription());
        assertEquals(before, homes());
        assertEquals(List.of(), daemon.ownLeftovers());
    }

    @Test
    void theStreamingFormReportsEachDeviceAsItComesUp() {
        List<HomeCreationEvent> events = new ArrayList<>();
        daemon.stub.createCirqueHomeWithDevicesStream(request("x", "y", "z")).forEachRemaining(events::add);
        assertEquals(5, events.size(), events.toString());
        assertTrue(events.get(0).hasHomeCreated());
        assertEquals(Set.of("x", "y", "z"), Set.of(events.get(1).getDeviceReady().getKey(),
                events.get(2).getDeviceReady().getKey(), events.get(3).getDeviceReady().getKey()));
        assertTrue(events.get(4).hasDone());
        String home = events.get(0).getHomeCreated();
        assertEquals(home, events.get(4).getDone().getHomeId());

        List<HomeCreationEvent> failing = new ArrayList<>();
        daemon.stub.createCirqueHomeWithDevicesStream(request("ok").toBuilder().putDevices("bad",
                DeviceSpecification.newBuilder().setDeviceType("t").setBaseImage("cirque-test/no-such:1").build())
                .build()).forEachRemaining(failing::add);
        HomeCreationEvent last = failing.get(failing.size() - 1);
        assertEquals("bad", last.getFailed().getKey());
        assertEquals("FAILED_PRECONDITION", last.getFailed().getCode());
        assertEquals(List.of(), daemon.leftovers(failing.get(0).getHomeCreated()), "rolled back");
        daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
    }

    @Test
    void streamingExecSendsOutputAsItComesAndEndsWithTheExitCode() {
        CreateCirqueHomeWithDevicesResponse made = daemon.stub.createCirqueHomeWithDevices(request("n"));
        try {
            CirqueServiceGrpc.CirqueServiceBlockingStub stub = daemon.stub.withDeadlineAfter(1, TimeUnit.MINUTES);
            long start = System.nanoTime();
            Iterator<CommandOutput> it = stub.executeDeviceCommandStream(ExecuteDeviceCommandRequest.newBuilder()
                    .setHomeId(made.getHomeId()).setDeviceId(made.getDevicesOrThrow("n").getDeviceId())
                    .setCommand("sh -c 'echo first; sleep 2; echo second >&2; exit 3'").build());
            CommandOutput first = it.next();
            long firstAt = System.nanoTime() - start;
            assertEquals("first\n", first.getStdout().toStringUtf8());
            CommandOutput second = it.next();
            long secondAt = System.nanoTime() - start;
            assertEquals("second\n", second.getStderr().toStringUtf8());
            assertTrue(secondAt - firstAt > 1_500_000_000L, "stdout arrived while the command still ran");
            assertEquals(3, it.next().getExitCode());
            assertTrue(!it.hasNext());
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(made.getHomeId()).build());
        }
    }

    @Test
    void aStreamedCommandEndsWhenItsClientGoesAway() throws Exception {
        CreateCirqueHomeWithDevicesResponse made = daemon.stub.createCirqueHomeWithDevices(request("n"));
        String home = made.getHomeId();
        String device = made.getDevicesOrThrow("n").getDeviceId();
        try {
            io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
            String first = call.call(() -> daemon.stub.executeDeviceCommandStream(ExecuteDeviceCommandRequest.newBuilder()
                    .setHomeId(home).setDeviceId(device).setCommand("sh -c 'echo started; sleep 303 | cat'").build())
                    .next().getStdout().toStringUtf8());
            assertEquals("started\n", first);
            call.cancel(null); // the client leaves while the command runs
            awaitEnded(home, device, "sleep 303");
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    /**
     * The same over HTTP ({@code device_cmd?stream=True}): the client hangs up while the
     * command prints nothing, so only the closed connection can tell (no write fails).
     */
    @Test
    void anHttpStreamedCommandEndsWhenItsClientHangsUp() throws Exception {
        CreateCirqueHomeWithDevicesResponse made = daemon.stub.createCirqueHomeWithDevices(request("n"));
        String home = made.getHomeId();
        String device = made.getDevicesOrThrow("n").getDeviceId();
        try {
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), daemon.httpPort())) {
                String command = "sh%20-c%20'echo%20started;%20sleep%20304%20|%20cat'";
                client.getOutputStream().write(("GET /device_cmd/" + home + "/" + device + "/" + command
                        + "?stream=True HTTP/1.1\r\nHost: 127.0.0.1:" + daemon.httpPort() + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                client.setSoTimeout(30_000);
                BufferedReader reply = new BufferedReader(new InputStreamReader(client.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                while ((line = reply.readLine()) != null && !line.equals("started")) {
                    assertTrue(line.length() < 200, line); // headers, chunk sizes
                }
                assertEquals("started", line, "the command's first line came through");
            } // the client leaves while the command runs and prints nothing
            awaitEnded(home, device, "sleep 304");
        } finally {
            daemon.stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
        }
    }

    /**
     * Waits until no process in the node runs {@code command}, nor the {@code cat} piped after
     * it: the tree is killed a process at a time, so one look can find cat still there (CI did).
     */
    private static void awaitEnded(String home, String device, String command) {
        String[] ps = {""};
        Eventually.await("the command to end with its client", java.time.Duration.ofSeconds(30), Eventually.EVERY, () -> {
            ps[0] = daemon.stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                    .setDeviceId(device).setCommand("ps -eo args").build()).getOutput();
            return ps[0].contains(command) || ps[0].lines().anyMatch(l -> l.strip().equals("cat"))
                    ? java.util.Optional.empty() : java.util.Optional.of(true);
        }, () -> ps[0]);
    }

    private static CreateCirqueHomeWithDevicesRequest request(String... keys) {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (String k : keys) {
            b.putDevices(k, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build());
        }
        return b.build();
    }

    private static List<String> homes() {
        return daemon.stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdList();
    }
}
