package dev.cirque.sim.wifi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkModel;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The medium's decisions: pure logic (no kernel), with a scripted random source. */
class WifiAirTest {

    private static final long BROADCAST = 0xffffffffffffL;
    private static final long AP = 0x020000000001L;
    private static final long STA = 0x020000000002L;
    private static final long STA2 = 0x020000000003L;
    private static final long OTHER_HOME_AP = 0x020000000011L;
    /** Four rates: the first tried 3 times, the second twice; then none. */
    private static final byte[] CHAIN = {0, 3, 1, 2, -1, 0, -1, 0};

    private final WifiAir air = new WifiAir();
    private final LinkModel home = new LinkModel();

    WifiAirTest() {
        air.add("h", "ap", AP);
        air.add("h", "sta", STA);
        air.add("h", "sta2", STA2);
        air.add("other", "ap", OTHER_HOME_AP);
        air.apply("h", home.snapshot());
    }

    /** Draws from a script: 0.0 always passes a loss, 0.99 fails one below 99 %. */
    private static RandomGenerator draws(double... values) {
        return new RandomGenerator() {
            int next;

            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return values[Math.min(next++, values.length - 1)];
            }
        };
    }

    @Test
    void aBeaconIsHeardByItsOwnHomeOnlyWithTheDefaultSignal() {
        WifiAir.Outcome o = air.transmit(AP, BROADCAST, true, CHAIN, draws(0.5));
        assertEquals(List.of("sta", "sta2"), o.deliveries().stream().map(d -> d.receiver().nodeId()).sorted().toList());
        assertTrue(o.deliveries().stream().allMatch(d -> d.signalDbm() == WifiAir.DEFAULT_SIGNAL_DBM
                && d.delayNanos() == 0));
        assertFalse(o.acked());
        assertArrayEquals(new byte[] {0, 1, -1, 0, -1, 0, -1, 0}, o.attempts(), "sent once at the first rate");
        WifiAir.Outcome there = air.transmit(OTHER_HOME_AP, BROADCAST, true, CHAIN, draws(0.5));
        assertEquals(List.of(), there.deliveries(), "alone in its home: nobody of home h hears it");
    }

    @Test
    void aUnicastFrameIsAcknowledgedAtTheTryThatGotThroughAndHeardOnce() {
        air.apply("h", home.setLink("sta", "ap", Optional.of(LinkConditions.of(0, 0, 50))));
        // Try 1 lost (0.2 < 50 %), try 2 through (0.7), its acknowledgement back (0.0).
        WifiAir.Outcome o = air.transmit(STA, AP, false, CHAIN, draws(0.2, 0.7, 0.0));
        assertTrue(o.acked());
        assertEquals(1, o.deliveries().size());
        assertEquals("ap", o.deliveries().get(0).receiver().nodeId());
        assertArrayEquals(new byte[] {0, 2, -1, 0, -1, 0, -1, 0}, o.attempts(), "two tries at the first rate");
        assertArrayEquals(new long[] {1, 0}, air.linkCounts("h").get(new LinkModel.Link("sta", "ap")));
    }

    @Test
    void aCutLinkSpendsEveryTryAndAnUnanswerableOneIsHeardButNotAcknowledged() {
        air.apply("h", home.setLink("sta", "ap", Optional.of(LinkConditions.DOWN)));
        WifiAir.Outcome cut = air.transmit(STA, AP, false, CHAIN, draws(0.0));
        assertFalse(cut.acked());
        assertEquals(List.of(), cut.deliveries());
        assertArrayEquals(CHAIN, cut.attempts(), "all five tries spent");
        assertArrayEquals(new long[] {0, 1}, air.linkCounts("h").get(new LinkModel.Link("sta", "ap")));

        air.apply("h", home.setLink("sta", "ap", Optional.empty()));
        air.apply("h", home.setLink("ap", "sta", Optional.of(LinkConditions.DOWN)));
        WifiAir.Outcome noAck = air.transmit(STA, AP, false, CHAIN, draws(0.0));
        assertEquals(1, noAck.deliveries().size(), "the AP hears it, once, however many tries");
        assertFalse(noAck.acked(), "its acknowledgement never comes back");
    }

    @Test
    void aLinksSignalAndDelayAreWhatItsReceiverGets() {
        air.apply("h", home.setLink("ap", "sta", Optional.of(new LinkConditions(30, 0, 0, true, -72))));
        WifiAir.Outcome o = air.transmit(AP, STA, false, CHAIN, draws(0.0));
        assertEquals(-72, o.deliveries().get(0).signalDbm());
        assertEquals(30_000_000L, o.deliveries().get(0).delayNanos());
        assertEquals(30_000_000L, o.statusDelayNanos(), "the sender learns of it no sooner");
        assertEquals(WifiAir.DEFAULT_SIGNAL_DBM, o.ackSignalDbm(), "the way back has no signal of its own");
    }

    @Test
    void framesOfUnknownRadiosAndToUnknownAddressesGoNowhere() {
        WifiAir.Outcome stranger = air.transmit(0x02000000ffffL, BROADCAST, true, CHAIN, draws(0.0));
        assertNull(stranger.sender());
        assertEquals(List.of(), stranger.deliveries());
        WifiAir.Outcome nobody = air.transmit(STA, OTHER_HOME_AP, false, CHAIN, draws(0.0));
        assertEquals(List.of(), nobody.deliveries(), "another home's AP is not on this air");
        assertFalse(nobody.acked());
    }

    @Test
    void aHomeIsForgottenWithItsLastRadio() {
        air.remove(OTHER_HOME_AP);
        assertFalse(air.hasHome("other"));
        air.remove(AP);
        air.remove(STA);
        air.remove(STA2);
        assertFalse(air.hasHome("h"));
        assertEquals(0, air.linkCounts("h").size());
    }

    @Test
    void aSeededLinkDelaysByLatencyPlusOrMinusJitterInOrderAndLosesItsShare() {
        // The medium's own draws (the home's seed), through the real decision: no scripted source.
        air.apply("h", home.setLink("ap", "sta", Optional.of(new LinkConditions(50, 40, 20, true))));
        air.apply("h", home.seed(5L));
        java.util.LongSummaryStatistics ms = new java.util.LongSummaryStatistics();
        long lastDue = Long.MIN_VALUE;
        int heard = 0;
        int sent = 5_000;
        for (int n = 0; n < sent; n++) {
            WifiAir.Outcome o = air.transmit(AP, STA, true, CHAIN); // no acknowledgement: one try each
            if (o.deliveries().isEmpty()) {
                continue;
            }
            heard++;
            long due = o.decidedAtNanos() + o.deliveries().get(0).delayNanos();
            assertTrue(due >= lastDue, "frame " + n + " due before the one ahead of it");
            lastDue = due;
            ms.accept(o.deliveries().get(0).delayNanos() / 1_000_000);
        }
        // Sent far faster than the jitter, frames queue behind the one ahead: never below 10 ms.
        assertTrue(ms.getMin() >= 10, "latency - jitter at least: " + ms);
        assertEquals(0.80, heard / (double) sent, 0.02, "20 % lost");
        // The same seed, set again, draws the same frames' fate again.
        air.apply("h", home.seed(5L));
        List<Boolean> first = fates(200);
        air.apply("h", home.seed(5L));
        assertEquals(first, fates(200));
    }

    private List<Boolean> fates(int frames) {
        List<Boolean> out = new java.util.ArrayList<>();
        for (int n = 0; n < frames; n++) {
            out.add(!air.transmit(AP, STA, true, CHAIN).deliveries().isEmpty());
        }
        return out;
    }
}
