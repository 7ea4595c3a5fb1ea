package dev.cirque.sim.thread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
    void homesAndPetitionsGetOffsetsOfTheirOwnThatComeBackWhenEmpty() {
        ThreadNetworks nets = new ThreadNetworks(1);
        ThreadNetworks.Lease a = nets.lease("a", 0);
        ThreadNetworks.Lease b = nets.lease("b", 0);
        ThreadNetworks.Lease a1 = nets.lease("a", 1);
        assertNotEquals(a.portOffset(), b.portOffset());
        assertNotEquals(a.portOffset(), a1.portOffset());
        assertEquals(1, a1.nodeId(), "a petition is a network of its own");
        nets.release(b);
        assertEquals(b.portOffset(), nets.lease("c", 0).portOffset(), "an empty network's offset is reused");
    }

    @Test
    void noOffsetWrapsPastThePortRange() {
        ThreadNetworks nets = new ThreadNetworks(ThreadNetworks.MAX_OFFSET);
        ThreadNetworks.Lease last = nets.lease("h", 0);
        assertTrue(ThreadNetworks.basePort(last.portOffset()) + 33 <= 65535);
        assertThrows(ThreadNetworks.ExhaustedException.class, () -> nets.lease("other", 0));
    }
}
