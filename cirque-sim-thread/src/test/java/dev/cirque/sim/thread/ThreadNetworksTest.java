package dev.cirque.sim.thread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ThreadNetworksTest {

    @Test
    void idsRunOneToThirtyThreeAndTheThirtyFourthIsRefused() {
        ThreadNetworks nets = new ThreadNetworks(1);
        List<ThreadNetworks.Lease> leases = new ArrayList<>();
        for (int i = 1; i <= 33; i++) {
            ThreadNetworks.Lease l = nets.lease("h", 0);
            assertEquals(i, l.nodeId());
            leases.add(l);
        }
        ThreadNetworks.ExhaustedException e = assertThrows(ThreadNetworks.ExhaustedException.class,
                () -> nets.lease("h", 0));
        assertTrue(e.getMessage().contains("33"), e.getMessage());
        nets.release(leases.get(4));
        assertEquals(5, nets.lease("h", 0).nodeId(), "a freed id is reused, lowest first");
    }

    @Test
    void everyRadioGetsAPortGroupOfItsOwnAndIdsArePerNetwork() {
        ThreadNetworks nets = new ThreadNetworks(1);
        ThreadNetworks.Lease a = nets.lease("a", 0);
        ThreadNetworks.Lease a2 = nets.lease("a", 0);
        ThreadNetworks.Lease b = nets.lease("b", 0);
        ThreadNetworks.Lease a1 = nets.lease("a", 1);
        assertEquals(4, Stream.of(a, a2, b, a1).map(ThreadNetworks.Lease::portOffset).distinct()
                .count(), "no two radios share a port group");
        assertEquals(List.of(1, 2, 1, 1), List.of(a.nodeId(), a2.nodeId(), b.nodeId(), a1.nodeId()),
                "ids count per network: a home's petition");
        nets.release(b);
        assertEquals(b.portOffset(), nets.lease("c", 0).portOffset(), "a released group is reused");
    }

    @Test
    void noOffsetWrapsPastThePortRange() {
        ThreadNetworks nets = new ThreadNetworks(ThreadNetworks.MAX_OFFSET);
        ThreadNetworks.Lease last = nets.lease("h", 0);
        assertTrue(ThreadNetworks.basePort(last.portOffset()) + 33 <= 65535);
        assertThrows(ThreadNetworks.ExhaustedException.class, () -> nets.lease("other", 0));
    }
}
