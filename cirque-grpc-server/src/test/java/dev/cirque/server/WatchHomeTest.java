package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.HomeEvent;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueDeviceRequest;
import dev.cirque.proto.WatchHomeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WatchHome against a real daemon and containers: a scripted scenario's events, all, in order. */
class WatchHomeTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    @Test
    void everyStepOfAScenarioArrivesInOrderAndTheStreamEndsWithTheHome() throws Exception {
        String home = daemon.newHome();
        Iterator<HomeEvent> stream = CirqueServiceGrpc.newBlockingStub(daemon.channel)
                .withDeadlineAfter(2, TimeUnit.MINUTES)
                .watchHome(WatchHomeRequest.newBuilder().setHomeId(home).build());
        assertEquals("WATCHING", stream.next().getKind(), "the watch is in place");
        CompletableFuture<List<HomeEvent>> seen = CompletableFuture.supplyAsync(() -> {
            List<HomeEvent> all = new ArrayList<>();
            stream.forEachRemaining(all::add);
            return all;
        });

        CirqueDevice a = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        daemon.exec(home, a, "true");
        daemon.stub.setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home).setFromDeviceId(a.getDeviceId())
                .setConditions(LinkConditions.newBuilder().setLatencyMs(10)).build());
        daemon.stub.stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(home).setDeviceId(a.getDeviceId())
                .build());
        daemon.stopHome(home);

        List<HomeEvent> events = seen.get(60, TimeUnit.SECONDS); // the home's stop ends the stream
        List<String> kinds = events.stream().map(HomeEvent::getKind).toList();
        assertEquals(List.of("NODE_CREATED", "EXEC_STARTED", "EXEC_ENDED", "LINKS_CHANGED", "NODE_REMOVED",
                "HOME_STOPPED"), kinds, String.valueOf(events));
        for (int i = 1; i < events.size(); i++) {
            assertEquals(events.get(i - 1).getSeq() + 1, events.get(i).getSeq(), "no gap, no reordering");
            assertEquals(0, events.get(i).getDropped());
        }
        assertEquals(2, events.get(0).getSeq(), "seq 1 was HOME_CREATED, before the watch");
        assertEquals(a.getDeviceId(), events.get(0).getDeviceId());
        assertEquals(a.getDeviceName(), events.get(0).getDetailOrThrow("name"));
        assertEquals("true", events.get(1).getDetailOrThrow("command"));
        assertEquals("0", events.get(2).getDetailOrThrow("exit_code"));
        assertEquals("ip", events.get(3).getDetailOrThrow("medium"));
        assertEquals(a.getDeviceId(), events.get(4).getDeviceId());
    }

    @Test
    void watchingEveryHomeSeesHomesComeAndGoAndDoesNotEndWithThem() throws Exception {
        Iterator<HomeEvent> stream = CirqueServiceGrpc.newBlockingStub(daemon.channel)
                .withDeadlineAfter(2, TimeUnit.MINUTES)
                .watchHome(WatchHomeRequest.newBuilder().build()); // no home: every home
        assertEquals("WATCHING", stream.next().getKind());
        String first = daemon.newHome();
        CirqueDevice a = daemon.create(first, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        String second = daemon.newHome();
        daemon.stopHome(first);
        daemon.stopHome(second);
        List<String> seen = new ArrayList<>();
        while (seen.size() < 5) {
            HomeEvent e = stream.next();
            seen.add((e.getHomeId().equals(first) ? "first " : e.getHomeId().equals(second) ? "second " : "other ")
                    + e.getKind() + (e.getDeviceId().isEmpty() ? "" : " " + e.getDeviceId()));
        }
        assertEquals(List.of("first HOME_CREATED", "first NODE_CREATED " + a.getDeviceId(), "second HOME_CREATED",
                "first HOME_STOPPED", "second HOME_STOPPED"), seen);
        String third = daemon.newHome(); // the stream goes on past both homes' ends
        HomeEvent next = stream.next();
        assertEquals(third + " HOME_CREATED", next.getHomeId() + " " + next.getKind());
        daemon.stopHome(third);
    }

    @Test
    void aWatcherThatDoesNotReadMissesEventsAndIsToldHowMany() throws Exception {
        String home = daemon.newHome();
        CirqueDevice a = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        List<HomeEvent> got = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Status> closed = new CompletableFuture<>();
        // A small, fixed HTTP/2 window: what a client that does not read lets the transport hold.
        io.grpc.ManagedChannel slow = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
                .forTarget(daemon.channel.authority()).usePlaintext().flowControlWindow(16 * 1024).build();
        io.grpc.ClientCall<WatchHomeRequest, HomeEvent> call = slow.newCall(
                CirqueServiceGrpc.getWatchHomeMethod(), io.grpc.CallOptions.DEFAULT);
        call.start(new io.grpc.ClientCall.Listener<>() {
            @Override
            public void onMessage(HomeEvent message) {
                got.add(message);
            }

            @Override
            public void onClose(Status status, io.grpc.Metadata trailers) {
                closed.complete(status);
            }
        }, new io.grpc.Metadata());
        call.sendMessage(WatchHomeRequest.newBuilder().setHomeId(home).build());
        call.halfClose();
        call.request(1); // WATCHING, and then nothing: this client does not read
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10); // between looks at what arrived
        }
        assertEquals("WATCHING", got.get(0).getKind());

        int changes = 3000; // far more than the 1024 a watcher's buffer holds (plus what the transport takes)
        for (int i = 0; i < changes; i++) {
            daemon.stub.setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home)
                    .setFromDeviceId(a.getDeviceId()).setConditions(LinkConditions.newBuilder().setLatencyMs(i % 50))
                    .build());
        }
        daemon.stopHome(home);
        call.request(Integer.MAX_VALUE); // now it reads everything
        assertEquals(Status.Code.OK, closed.get(60, TimeUnit.SECONDS).getCode());
        List<HomeEvent> events = got.subList(1, got.size());
        HomeEvent last = events.get(events.size() - 1);
        assertEquals("HOME_STOPPED", last.getKind());
        long dropped = events.stream().mapToLong(HomeEvent::getDropped).sum();
        assertTrue(dropped > 0, "a watcher that does not read misses events");
        // seq 1 and 2 were the home's and the node's creation, before the watch began.
        assertEquals(last.getSeq() - 2, events.size() + dropped, "every event is either received or counted as missed");
        assertTrue(events.size() < changes, events.size() + " events kept for a client that did not read");
        slow.shutdownNow();
    }

    @Test
    void theSameEventsComeAsServerSentEventsOverHttp() throws Exception {
        String home = daemon.newHome();
        java.net.http.HttpResponse<java.util.stream.Stream<String>> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.httpPort()
                        + "/events/" + home)).build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        Iterator<String> lines = r.body().iterator();
        assertEquals("id: 0", lines.next());
        assertEquals("event: WATCHING", lines.next()); // in place: nothing after is missed
        CompletableFuture<List<String>> seen = CompletableFuture.supplyAsync(() -> {
            List<String> kinds = new ArrayList<>();
            lines.forEachRemaining(l -> {
                if (l.startsWith("event: ")) {
                    kinds.add(l.substring(7));
                }
            });
            return kinds;
        });
        CirqueDevice a = daemon.create(home, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE));
        daemon.exec(home, a, "true");
        daemon.stopHome(home);
        assertEquals(List.of("NODE_CREATED", "EXEC_STARTED", "EXEC_ENDED", "HOME_STOPPED"),
                seen.get(60, TimeUnit.SECONDS), "and the stream ends with the home");
        java.net.http.HttpResponse<String> unknown = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.httpPort()
                        + "/events/nope")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("NOT_FOUND"), unknown.body());
    }

    @Test
    void eventStreamsHoldNoHttpWorker() throws Exception {
        // Three times as many watchers as workers: each stream used to hold a worker for as long
        // as it ran, so the watchers past two waited in the queue and other calls with them.
        java.net.InetSocketAddress loopback = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
        dev.cirque.core.home.HomeService service = new dev.cirque.core.home.HomeService(daemon.engine,
                dev.cirque.core.capability.CapabilityRegistry.fromClassPath());
        DaemonServer server = new DaemonServer(service, loopback, loopback, new Security(null, null, null, null),
                new dev.cirque.server.http.HttpLimits(4 << 20, 2, java.time.Duration.ofSeconds(30), 512)).start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        List<Iterator<String>> streams = new ArrayList<>();
        List<java.io.InputStream> bodies = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                java.net.http.HttpResponse<java.io.InputStream> r = http.sendAsync(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + server.httpPort() + "/events")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofInputStream()).get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), "watcher " + i);
                bodies.add(r.body());
                Iterator<String> lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(),
                        java.nio.charset.StandardCharsets.UTF_8)).lines().iterator();
                assertEquals("id: 0", lines.next());
                assertEquals("event: WATCHING", lines.next());
                streams.add(lines);
            }
            java.net.http.HttpResponse<String> homes = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.httpPort() + "/get_homes")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, homes.statusCode(), "an ordinary call beside six open streams: " + homes.body());
            String home = service.createHome().id();
            try {
                for (Iterator<String> lines : streams) {
                    String event = CompletableFuture.supplyAsync(() -> {
                        while (lines.hasNext()) {
                            String l = lines.next();
                            if (l.startsWith("event: ")) {
                                return l.substring(7);
                            }
                        }
                        return "end of stream";
                    }).get(30, TimeUnit.SECONDS);
                    assertEquals("HOME_CREATED", event, "every watcher is served");
                }
            } finally {
                service.stopHome(home);
            }
        } finally {
            for (java.io.InputStream body : bodies) {
                body.close();
            }
            server.stop();
        }
    }

    @Test
    void anUnknownHomeIsNotFound() {
        Iterator<HomeEvent> stream = daemon.stub.watchHome(WatchHomeRequest.newBuilder().setHomeId("nope").build());
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                stream::hasNext);
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }
}
