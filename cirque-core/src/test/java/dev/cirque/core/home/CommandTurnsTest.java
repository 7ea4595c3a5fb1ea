package dev.cirque.core.home;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The turns' logic alone (the real tools' sessions are in ThreadMediumTest, with OpenThread). */
class CommandTurnsTest {

    @Test
    void theDaemonAsksOnlyWhenNoClientsCommandRunsAndGivesUpAfterItsPatience() throws Exception {
        CommandTurns turns = new CommandTurns();
        turns.clientStarts();
        turns.clientStarts();
        assertFalse(turns.daemonAsks(Duration.ofMillis(50)), "two clients' commands run");
        turns.clientEnded();
        CountDownLatch asked = new CountDownLatch(1);
        Thread daemon = new Thread(() -> {
            try {
                if (turns.daemonAsks(Duration.ofSeconds(30))) {
                    asked.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        daemon.start();
        assertFalse(asked.await(200, TimeUnit.MILLISECONDS), "one client's command still runs");
        turns.clientEnded();
        assertTrue(asked.await(30, TimeUnit.SECONDS), "its turn when the last one ended");
        daemon.join();
        turns.daemonDone();
    }

    @Test
    void aClientsCommandThatComesWhileTheDaemonAsksStartsAfterIt() throws Exception {
        CommandTurns turns = new CommandTurns();
        assertTrue(turns.daemonAsks(Duration.ZERO));
        assertFalse(turns.daemonAsks(Duration.ofMillis(20)), "one question at a time");
        CountDownLatch started = new CountDownLatch(1);
        Thread client = new Thread(() -> {
            turns.clientStarts();
            started.countDown();
        });
        client.start();
        assertFalse(started.await(200, TimeUnit.MILLISECONDS), "held while the daemon asks");
        turns.daemonDone();
        assertTrue(started.await(30, TimeUnit.SECONDS));
        client.join();
        assertFalse(turns.daemonAsks(Duration.ZERO), "the client's command runs now");
        turns.clientEnded();
        assertTrue(turns.daemonAsks(Duration.ZERO));
        turns.daemonDone();
    }
}
