package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.HomeCreationEvent;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.core.testing.Eventually;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A creation whose caller goes away (past its deadline, or cancelled) while it runs is
 * undone: the caller never learns the ids, so nothing else could remove what was made.
 */
class CancelledCreateTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    private static CreateCirqueHomeWithDevicesRequest fourNodes() {
        CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 0; i < 4; i++) {
            b.putDevices("n" + i, DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build());
        }
        return b.build();
    }

    @Test
    void aTopologyPastItsDeadlineIsRolledBack() throws Exception {
        List<String> before = daemon.allLeftovers();
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () ->
                daemon.stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).createCirqueHomeWithDevices(fourNodes()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        awaitBack(before);
    }

    @Test
    void aStreamedTopologyCancelledAfterItsHomeIsRolledBack() throws Exception {
        List<String> before = daemon.allLeftovers();
        Context.CancellableContext call = Context.current().withCancellation();
        String home = call.call(() -> {
            Iterator<HomeCreationEvent> events = daemon.stub.createCirqueHomeWithDevicesStream(fourNodes());
            return events.next().getHomeCreated();
        });
        call.cancel(null); // the client goes away once it knows the home exists
        assertTrue(!home.isEmpty());
        awaitBack(before);
        assertTrue(!daemon.stub.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()).getHomeIdList()
                .contains(home), "the home is gone from the registry too");
    }

    @Test
    void aDevicePastItsDeadlineIsRemoved() throws Exception {
        String home = daemon.newHome();
        try {
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, () ->
                    daemon.stub.withDeadlineAfter(100, TimeUnit.MILLISECONDS).createCirqueDevice(
                            CreateCirqueDeviceRequest.newBuilder().setHomeId(home).setSpecification(
                                    DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)).build()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            // The daemon goes on making the node (its container appears), then removes it.
            await(() -> daemon.leftovers(home).size() > 1, "the node's container was made");
            await(() -> daemon.leftovers(home).size() == 1 && daemon.stub.listCirqueHomeDevices(
                    ListCirqueHomeDevicesRequest.newBuilder().setHomeId(home).build()).getDevicesCount() == 0,
                    "the node was removed");
        } finally {
            daemon.stopHome(home);
        }
    }

    /** Polls until new labelled objects appeared (the daemon made them), then until they are gone. */
    private static void awaitBack(List<String> before) {
        await(() -> !daemon.allLeftovers().equals(before), "the creation went on after the caller left");
        await(() -> daemon.allLeftovers().equals(before), "what the cancelled creation made was removed");
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) {
        Eventually.await(what, java.time.Duration.ofSeconds(60), condition);
    }
}
