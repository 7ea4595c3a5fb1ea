package dev.cirque.core.home;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Turns in one node between its clients' commands and the daemon's own questions to tools
 * that serve one session at a time and drop the one they serve when another comes (ot-ctl:
 * a one-shot ot-ctl dropped that way exits 0 with its answer missing). Clients' commands run
 * together; a question of the daemon runs alone, only when no client's command runs, and a
 * client's command that comes meanwhile starts after it (milliseconds). The daemon waits a
 * bounded time for its turn and gives up on the node rather than hold clients back.
 */
final class CommandTurns {

    private int clients; // guarded by this
    private boolean daemonAsking; // guarded by this

    /** A client's command may start (after a question of the daemon under way). */
    synchronized void clientStarts() {
        boolean interrupted = false;
        while (daemonAsking) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true; // the client's command is not to be refused for it
            }
        }
        clients++;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized void clientEnded() {
        clients--;
        notifyAll();
    }

    /**
     * The daemon's turn to ask, waiting up to {@code patience} for the clients' commands (and
     * another question) to end; false when they did not. After true, {@link #daemonDone} follows.
     */
    synchronized boolean daemonAsks(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (clients > 0 || daemonAsking) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        daemonAsking = true;
        return true;
    }

    synchronized void daemonDone() {
        daemonAsking = false;
        notifyAll();
    }
}
