package dev.cirque.core.home;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cirque.core.home.HomeEvent.Kind;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event buffers' drop policy: pure logic, no engine. */
class HomeEventsTest {

    private static final Duration NOW = Duration.ZERO;

    @Test
    void aWatcherSeesItsHomesEventsInOrderAndNoOtherHomes() throws InterruptedException {
        HomeEvents events = new HomeEvents();
        try (HomeEvents.Subscription watch = events.subscribe("h1", 16)) {
            events.publish("h1", Kind.NODE_CREATED, "n1", Map.of());
            events.publish("h2", Kind.NODE_CREATED, "x", Map.of());
            events.publish("h1", Kind.EXEC_STARTED, "n1", Map.of("command", "true"));
            HomeEvent first = watch.next(NOW);
            HomeEvent second = watch.next(NOW);
            assertEquals(Kind.NODE_CREATED, first.kind());
            assertEquals(Kind.EXEC_STARTED, second.kind());
            assertEquals(second.seq(), first.seq() + 1);
            assertNull(watch.next(NOW), "h2's event is not h1's watcher's");
        }
    }

    @Test
    void aWatcherThatFallsBehindMissesEventsAndIsToldHowMany() throws InterruptedException {
        HomeEvents events = new HomeEvents();
        try (HomeEvents.Subscription slow = events.subscribe("h", 4)) {
            for (int i = 0; i < 10; i++) {
                events.publish("h", Kind.EXEC_STARTED, "n", Map.of()); // never waits on the watcher
            }
            for (int i = 1; i <= 4; i++) {
                assertEquals(i, slow.next(NOW).seq());
            }
            events.publish("h", Kind.EXEC_ENDED, "n", Map.of());
            HomeEvent after = slow.next(NOW);
            assertEquals(11, after.seq());
            assertEquals(6, after.dropped(), "events 5 to 10 did not fit");
            // The home's end always arrives, even to a full buffer.
            for (int i = 0; i < 4; i++) {
                events.publish("h", Kind.EXEC_STARTED, "n", Map.of());
            }
            events.publish("h", Kind.HOME_STOPPED, "", Map.of());
            for (int i = 0; i < 4; i++) {
                slow.next(NOW);
            }
            assertEquals(Kind.HOME_STOPPED, slow.next(NOW).kind());
        }
    }

    @Test
    void aWatcherOfEveryHomeSeesEachVisibleHomeInItsOwnOrderAndOutlivesThem() throws InterruptedException {
        HomeEvents events = new HomeEvents(home -> !home.startsWith("spare"), dev.cirque.core.recording.Recordings.off());
        try (HomeEvents.Subscription all = events.subscribeAll(16)) {
            events.publish("h1", Kind.HOME_CREATED, "", Map.of());
            events.publish("spare-1", Kind.NODE_CREATED, "s", Map.of());
            events.publish("h2", Kind.HOME_CREATED, "", Map.of());
            events.publish("h1", Kind.NODE_CREATED, "n1", Map.of());
            events.publish("h1", Kind.HOME_STOPPED, "", Map.of());
            events.publish("h2", Kind.NODE_CREATED, "n2", Map.of());
            StringBuilder seen = new StringBuilder();
            for (HomeEvent e = all.next(NOW); e != null; e = all.next(NOW)) {
                seen.append(e.homeId()).append(':').append(e.seq()).append(':').append(e.kind()).append(' ');
            }
            assertEquals("h1:1:HOME_CREATED h2:1:HOME_CREATED h1:2:NODE_CREATED h1:3:HOME_STOPPED h2:2:NODE_CREATED ",
                    seen.toString(), "a spare home's events are for no one; h1's stop does not end the watch");
        }
        events.publish("h2", Kind.EXEC_STARTED, "n2", Map.of()); // a closed watch is gone: nothing to offer to
    }
}
