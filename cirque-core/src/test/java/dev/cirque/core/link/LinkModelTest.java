package dev.cirque.core.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The layering of partitions, links and egress: pure logic. */
class LinkModelTest {

    private static final LinkConditions SLOW = LinkConditions.of(100, 0, 0);
    private static final LinkConditions LOSSY = LinkConditions.of(0, 0, 30);

    @Test
    void theMostSpecificLayerWins() {
        LinkModel m = new LinkModel();
        m.setEgress("a", SLOW);
        assertEquals(SLOW, m.snapshot().effective("a", "b"));
        assertEquals(SLOW, m.snapshot().effective("a", null), "egress holds beyond the home too");
        assertEquals(LinkConditions.IDEAL, m.snapshot().effective("b", "a"), "egress is one way");
        m.setLink("a", "b", Optional.of(LOSSY));
        assertEquals(LOSSY, m.snapshot().effective("a", "b"));
        assertEquals(SLOW, m.snapshot().effective("a", "c"));
        m.partition("p", Set.of("b"));
        assertFalse(m.snapshot().effective("a", "b").up());
        assertFalse(m.snapshot().effective("b", "a").up(), "a partition cuts both ways");
        assertEquals(SLOW, m.snapshot().effective("a", "c"), "a and c are on the same side");
        assertTrue(m.heal("p"));
        assertEquals(LOSSY, m.snapshot().effective("a", "b"));
        m.setLink("a", "b", Optional.empty());
        assertEquals(SLOW, m.snapshot().effective("a", "b"));
    }

    @Test
    void onlyNodesThatCanMeetSomethingAreShaped() {
        LinkModel m = new LinkModel();
        assertFalse(m.snapshot().shapes("a"));
        m.setLink("a", "b", Optional.of(SLOW));
        assertTrue(m.snapshot().shapes("a"));
        assertFalse(m.snapshot().shapes("b"));
        m.partition("p", Set.of("a"));
        assertTrue(m.snapshot().shapes("c"), "in a partitioned home every node's packets may be cut");
        m.forget("a");
        assertFalse(m.snapshot().shapes("c"), "a partition of a node that left is gone");
        assertEquals(Set.of(), m.snapshot().partitions().keySet());
    }

    @Test
    void restoreUndoesAChange() {
        LinkModel m = new LinkModel();
        m.setEgress("a", SLOW);
        LinkModel.Snapshot before = m.snapshot();
        m.partition("p", Set.of("a"));
        m.restore(before);
        assertEquals(before.egress(), m.snapshot().egress());
        assertEquals(before.partitions(), m.snapshot().partitions());
        assertTrue(m.snapshot().version() > before.version(), "a new version all the same");
    }

    @Test
    void badConditionsAreInvalid() {
        for (Runnable bad : new Runnable[] {() -> LinkConditions.of(-1, 0, 0), () -> LinkConditions.of(0, -1, 0),
                () -> LinkConditions.of(0, 0, 100.5), () -> LinkConditions.of(0, 0, Double.NaN),
                () -> LinkConditions.of(60_001, 0, 0), () -> new LinkModel().setLink("a", "a", Optional.of(SLOW)),
                () -> new LinkModel().partition("p", Set.of())}) {
            assertEquals(CirqueException.Kind.INVALID_ARGUMENT, assertThrows(CirqueException.class, bad::run).kind());
        }
    }
}
