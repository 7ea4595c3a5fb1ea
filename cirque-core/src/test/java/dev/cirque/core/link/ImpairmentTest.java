package dev.cirque.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one impairment model of every medium: pure logic, on a seeded random source and a given clock. */
class ImpairmentTest {

    private static final long MS = 1_000_000L;

    @Test
    void latencyAndJitterSpreadDelaysUniformlyEitherWay() {
        Impairment i = Impairment.seeded(7L);
        LinkConditions c = LinkConditions.of(50, 40, 0);
        LongSummaryStatistics ms = new LongSummaryStatistics();
        int below30 = 0;
        int above70 = 0;
        for (int n = 0; n < 20_000; n++) {
            long d = i.delayNanos(c) / MS;
            ms.accept(d);
            below30 += d < 30 ? 1 : 0;
            above70 += d > 70 ? 1 : 0;
        }
        assertEquals(50, ms.getAverage(), 1.0, "mean latency: " + ms);
        assertTrue(ms.getMin() >= 10 && ms.getMax() <= 90, "within 50 ± 40: " + ms);
        // Uniform over 10..90: a quarter below 30, a quarter above 70 (not latency + 0..jitter).
        assertEquals(0.25, below30 / 20_000.0, 0.02);
        assertEquals(0.25, above70 / 20_000.0, 0.02);
    }

    @Test
    void jitterWiderThanLatencyNeverGoesBelowZero() {
        Impairment i = Impairment.seeded(1L);
        for (int n = 0; n < 5_000; n++) {
            assertTrue(i.delayNanos(LinkConditions.of(5, 50, 0)) >= 0);
        }
    }

    @Test
    void lossIsDrawnPerFrameAndADownLinkPassesNothing() {
        Impairment i = Impairment.seeded(3L);
        int passed = 0;
        for (int n = 0; n < 20_000; n++) {
            passed += i.passes(LinkConditions.of(0, 0, 20)) ? 1 : 0;
            assertEquals(false, i.passes(LinkConditions.DOWN));
        }
        assertEquals(0.80, passed / 20_000.0, 0.01);
        assertTrue(i.passes(LinkConditions.IDEAL));
    }

    @Test
    void oneLinksFramesLeaveInTheOrderTheyCameAndOtherLinksAreNotHeldBack() {
        Impairment i = Impairment.seeded(11L);
        LinkConditions c = LinkConditions.of(50, 40, 0);
        long now = 0;
        long last = Long.MIN_VALUE;
        int heldBack = 0;
        for (int n = 0; n < 1_000; n++, now += MS) { // a frame a millisecond: spacing far under the jitter
            long due = i.due("a->b", c, now);
            assertTrue(due >= last, "frame " + n + " due before the one ahead of it");
            heldBack += due > now + 90 * MS ? 1 : 0;
            last = due;
        }
        assertEquals(0, heldBack, "never later than the jitter allows, held back or not");
        // Another link's frame is not queued behind a->b's.
        long other = i.due("a->c", LinkConditions.of(10, 0, 0), now);
        assertEquals(now + 10 * MS, other);
        // A perfect link sends at once once its queue is behind it.
        assertEquals(now + 500 * MS, i.due("a->d", LinkConditions.IDEAL, now + 500 * MS));
    }

    @Test
    void aRetransmissionWaitsForTheFrameAheadButHoldsNoneBackAndAnAcknowledgementIsOnItsOwn() {
        // Scripted draws (pure logic): +40, +40, -40, -40 ms of jitter around 50 ms.
        long[] draws = {40 * MS, 40 * MS, -40 * MS, -40 * MS};
        Impairment i = new Impairment(new java.util.random.RandomGenerator() {
            private int next;

            @Override
            public long nextLong() {
                throw new AssertionError("only bounded draws are expected");
            }

            @Override
            public long nextLong(long origin, long bound) {
                return draws[next++];
            }
        });
        LinkConditions c = LinkConditions.of(50, 40, 0);
        long first = i.due("a->b", c, 0);                  // 90 ms
        long copy = i.dueBehind("a->b", c, 1 * MS);       // 91 ms: never before the first
        long next = i.due("a->b", c, 2 * MS);             // drew 12 ms: held to 90, not to 91
        long ack = i.dueAlone(c, 3 * MS);                  // drew 13 ms: behind nothing
        assertEquals(90 * MS, first);
        assertEquals(91 * MS, copy);
        assertEquals(90 * MS, next);
        assertEquals(13 * MS, ack);
    }

    @Test
    void theSameSeedGivesTheSameDecisionsForTheSameFrames() {
        assertEquals(decisions(42L), decisions(42L));
        assertNotEquals(decisions(42L), decisions(43L));
    }

    @Test
    void eachHomeDrawsFromItsSeedAndANewSeedStartsAnew() {
        HomeImpairments homes = new HomeImpairments();
        LinkModel model = new LinkModel();
        LinkModel.Snapshot seeded = model.seed(42L);
        Impairment first = homes.of("h", seeded);
        assertTrue(first == homes.of("h", model.setEgress("a", LinkConditions.of(1, 0, 0))), "same seed, same draws");
        assertEquals(42L, model.snapshot().seed());
        assertTrue(homes.of("h", model.seed(42L)) != first, "seeded again: the draws start again");
        first = homes.of("h", model.snapshot());
        assertTrue(homes.of("h", model.seed(5L)) != first, "a new seed starts a new sequence");
        homes.forget("h");
        assertTrue(homes.of("h", model.snapshot()) != first);
        // The seed survives a restore (a medium refused a change) and is part of every snapshot.
        LinkModel.Snapshot before = model.snapshot();
        model.setLink("a", "b", Optional.of(LinkConditions.DOWN));
        model.seed(null);
        assertEquals(5L, model.restore(before).seed());
        assertEquals(Set.of(), model.snapshot().partitions().keySet());
        assertEquals(Map.of(), model.snapshot().links());
    }

    /** What a seeded impairment decides for 500 frames over two links with loss and jitter. */
    private static List<Long> decisions(long seed) {
        Impairment i = Impairment.seeded(seed);
        List<Long> out = new ArrayList<>();
        LinkConditions c = LinkConditions.of(30, 20, 25);
        for (int n = 0; n < 500; n++) {
            out.add(i.due(n % 2 == 0 ? "x" : "y", c, n * 5 * MS));
        }
        return out;
    }
}
