package dev.cirque.core.home;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.MountPolicy;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.core.testing.FakeEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on several media: what one medium's failure leaves of the others. The media here
 * are fakes that only record and fail on cue (pure logic over the fake engine); the real
 * media are tested with their radios and the real engine elsewhere.
 */
class HomeLinksTest {

    private static final String IMAGE = "test/image";

    @TempDir
    Path ledgerDir;
    private HomeService homes;

    @AfterEach
    void close() {
        if (homes != null) {
            homes.close();
        }
    }

    private HomeService service(LinkMedium... media) {
        HostSettings host = new HostSettings(MountPolicy.anyPath(), Map.of(), new HostLedger(ledgerDir));
        homes = new HomeService(new FakeEngine(IMAGE), new CapabilityRegistry(List.of(), host), Limits.defaults(),
                List.of(media));
        return homes;
    }

    @Test
    void aMediumThatCannotLetANodeGoDoesNotKeepItOnTheOthers() {
        Recording stuck = new Recording("stuck", false, true);
        Recording other = new Recording("other", false, false);
        HomeService s = service(stuck, other); // the stuck one first: the undo must go on past it
        Home home = s.createHome();
        Node node = s.createNode(home.id(), new NodeSpec(IMAGE, "", List.of()));
        assertEquals(List.of(node.id()), other.attached);

        s.stopNode(home.id(), node.id()); // the undo failure is logged, the node still goes
        assertEquals(List.of(node.id()), stuck.detached, "the failing medium was asked");
        assertEquals(List.of(node.id()), other.detached, "and the one after it too");
    }

    @Test
    void aMediumThatRefusesANodeTakesItOffTheOnesItWasAlreadyOn() {
        Recording refusing = new Recording("refusing", true, false);
        Recording other = new Recording("other", false, false);
        HomeService s = service(other, refusing); // the node is on the other medium when the second refuses
        Home home = s.createHome();
        CirqueException e = assertThrows(CirqueException.class,
                () -> s.createNode(home.id(), new NodeSpec(IMAGE, "", List.of())));
        assertTrue(e.getMessage().contains("attach to the media"), e.getMessage());
        assertEquals(1, other.attached.size());
        assertEquals(other.attached, other.detached, "nothing is left on the medium it was already on");
        assertEquals(List.of(), home.nodes());
    }

    /** A medium that records who came and went, and fails on cue. */
    private static final class Recording implements LinkMedium {
        final String name;
        final boolean failAttach;
        final boolean failDetach;
        final List<String> attached = Collections.synchronizedList(new ArrayList<>());
        final List<String> detached = Collections.synchronizedList(new ArrayList<>());

        Recording(String name, boolean failAttach, boolean failDetach) {
            this.name = name;
            this.failAttach = failAttach;
            this.failDetach = failDetach;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void attach(MediumNode node, LinkModel.Snapshot conditions) {
            if (failAttach) {
                throw new IllegalStateException(name + " refuses " + node.nodeId());
            }
            attached.add(node.nodeId());
        }

        @Override
        public void detach(String homeId, String nodeId) {
            detached.add(nodeId);
            if (failDetach) {
                throw new IllegalStateException(name + " cannot let " + nodeId + " go");
            }
        }

        @Override
        public void apply(String homeId, LinkModel.Snapshot conditions) {}

        @Override
        public void close() {}
    }
}
