package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.engine.ExecResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The Thread host stack in a node (ot-daemon, asked with ot-ctl) as the Thread capability
 * sets it up while the node starts, before anyone else talks to it.
 */
final class ThreadStack {

    /** How long ot-daemon may take to answer after the container starts (seconds here, more under emulation). */
    static final Duration START = Duration.ofSeconds(60);
    private static final Duration ASK = Duration.ofSeconds(10);

    private ThreadStack() {}

    /** Sets the device mode, once the stack answers; FAILED_PRECONDITION naming the command that failed. */
    static void setMode(NodeContext node, ThreadDeviceMode mode, long pollPeriodMs) {
        awaitAnswer(node);
        for (String command : mode.otCtlCommands(pollPeriodMs)) {
            ExecResult r = ctl(node, command);
            if (r.exitCode() != 0 || !r.output().contains("Done")) {
                throw CirqueException.precondition("setting Thread device_mode " + mode.wireName() + ": ot-ctl "
                        + command + " exited " + r.exitCode() + ": " + r.output().strip());
            }
        }
    }

    /** Waits until ot-ctl gets an answer from ot-daemon, asking every 100 ms. */
    private static void awaitAnswer(NodeContext node) {
        long deadline = System.nanoTime() + START.toNanos();
        ExecResult last;
        do {
            last = ctl(node, "state");
            if (last.exitCode() == 0 && !last.output().isBlank()) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // ot-daemon is still starting
        } while (System.nanoTime() < deadline);
        throw CirqueException.precondition("Thread device_mode is set in the node's host stack, and no ot-daemon"
                + " answered ot-ctl in " + node.containerName() + " within " + START.toSeconds() + " s (an image"
                + " such as cirque/thread-node starts one on " + ThreadCapability.DEVICE + "); last answer: exit "
                + last.exitCode() + ": " + last.output().strip());
    }

    private static ExecResult ctl(NodeContext node, String command) {
        List<String> argv = new ArrayList<>(List.of("ot-ctl"));
        argv.addAll(List.of(command.split(" ")));
        return node.exec(argv, ASK);
    }
}
