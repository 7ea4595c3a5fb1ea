package dev.cirque.core.space;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkModel.Link;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The propagation model, radio profiles and a home's space: pure logic, no engine. */
class SpaceModelTest {

    private static final Position ORIGIN = new Position(0, 0, 0);

    @Test
    void lossGrowsWithTheLogOfDistanceAndEachWallCrossedAddsItsOwn() {
        Propagation p = Propagation.DEFAULT;
        assertEquals(40, p.loss(ORIGIN, new Position(1, 0, 0), List.of(), 0).totalDb(), 1e-9);
        assertEquals(70, p.loss(ORIGIN, new Position(10, 0, 0), List.of(), 0).totalDb(), 1e-9);
        assertEquals(100, p.loss(ORIGIN, new Position(0, 60, 80), List.of(), 0).totalDb(), 1e-9, "3-D distance: 100 m");
        assertEquals(10, p.loss(ORIGIN, ORIGIN, List.of(), 0).totalDb(), 1e-9, "the near field is taken as 0.1 m");

        Wall between = new Wall(5, -5, 5, 5, 12);
        Wall beside = new Wall(20, -5, 20, 5, 12);
        Propagation.PathLoss through = p.loss(ORIGIN, new Position(10, 0, 0), List.of(between, beside), 0);
        assertEquals(1, through.walls());
        assertEquals(82, through.totalDb(), 1e-9);
        Wall touching = new Wall(10, 0, 10, 5, 12); // ends where the receiver stands: not crossed
        assertEquals(0, p.loss(ORIGIN, new Position(10, 0, 0), List.of(touching), 0).walls());
    }

    @Test
    void aReceiverHearsNothingBelowItsSensitivityAndLosesLessTheMoreMarginItHas() {
        RadioProfile thread = RadioProfile.IEEE_802_15_4;
        assertFalse(thread.conditions(-100.5).up());
        assertEquals(95.26, thread.conditions(-100).lossPercent(), 0.01);
        assertEquals(50, thread.conditions(-97).lossPercent(), 0.01);
        assertEquals(4.74, thread.conditions(-94).lossPercent(), 0.01);
        assertEquals(LinkConditions.IDEAL, thread.conditions(-80), "far from the edge: a perfect link");
        assertNull(thread.conditions(-97).signalDbm(), "Thread's radios are given no signal");
        assertEquals(-75, RadioProfile.IEEE_802_11.conditions(-75.2).signalDbm(), "WiFi's are");
    }

    @Test
    void threeNodesInARowHearTheirNeighboursAndNotEachOther() {
        SpaceModel space = new SpaceModel();
        space.place("a", new Position(0, 0, 1));
        space.place("b", new Position(55, 0, 1));
        space.place("c", new Position(110, 0, 1));
        space.place("d", new Position(2, 0, 1));
        Map<Link, SpaceModel.Modelled> links = space.links(List.of("a", "b", "c", "unplaced"), RadioProfile.IEEE_802_15_4);
        assertEquals(6, links.size(), "every directed pair of the placed nodes on the medium: " + links.keySet());
        assertFalse(links.get(new Link("a", "c")).conditions().up(), "110 m: below the sensitivity");
        assertFalse(links.get(new Link("c", "a")).conditions().up());
        LinkConditions ab = links.get(new Link("a", "b")).conditions();
        assertTrue(ab.up() && ab.lossPercent() > 0 && ab.lossPercent() < 2, "55 m: heard, a little loss: " + ab);
        assertEquals(ab, links.get(new Link("b", "a")).conditions(), "the same both ways at the same power");

        space.txPower("a", 10.0);
        assertTrue(links(space).get(new Link("a", "c")).conditions().up(), "10 dB more power reaches c");
        assertFalse(links(space).get(new Link("c", "a")).conditions().up(), "but c's answer does not reach a");

        space.plan(List.of(new Wall(30, -10, 30, 10, 20)), Propagation.DEFAULT);
        SpaceModel.Modelled walled = links(space).get(new Link("b", "a"));
        assertEquals(1, walled.path().walls());
        assertFalse(walled.conditions().up(), "a 20 dB wall between them: " + walled);
    }

    @Test
    void shadowingIsTheSameBothWaysAndTheSameForTheSameSeed() {
        SpaceModel one = shadowed(7L);
        SpaceModel two = shadowed(7L);
        double ab = one.links(List.of("a", "b"), RadioProfile.IEEE_802_15_4).get(new Link("a", "b")).path().shadowingDb();
        assertNotEquals(0, ab);
        assertEquals(ab, one.links(List.of("a", "b"), RadioProfile.IEEE_802_15_4).get(new Link("b", "a")).path().shadowingDb());
        assertEquals(ab, two.links(List.of("a", "b"), RadioProfile.IEEE_802_15_4).get(new Link("a", "b")).path().shadowingDb());
        two.seed(8L);
        assertNotEquals(ab, two.links(List.of("a", "b"), RadioProfile.IEEE_802_15_4).get(new Link("a", "b")).path()
                .shadowingDb(), "another seed, another draw");
    }

    @Test
    void badGeometryIsRefused() {
        assertThrows(CirqueException.class, () -> Position.of(List.of(1, 2, 3, 4)));
        assertThrows(CirqueException.class, () -> new Position(Double.NaN, 0, 0));
        assertThrows(CirqueException.class, () -> new Wall(0, 0, 1, 1, -3));
        assertThrows(CirqueException.class, () -> new Propagation(40, 0.5, 0));
        assertEquals(new Position(1, 2, 0), Position.of(List.of(1, 2)));
    }

    private static Map<Link, SpaceModel.Modelled> links(SpaceModel space) {
        return space.links(List.of("a", "b", "c"), RadioProfile.IEEE_802_15_4);
    }

    private static SpaceModel shadowed(Long seed) {
        SpaceModel s = new SpaceModel();
        s.place("a", ORIGIN);
        s.place("b", new Position(20, 0, 0));
        s.plan(List.of(), new Propagation(40, 3, 6));
        s.seed(seed);
        return s;
    }
}
