package dev.cirque.core.home;

import dev.cirque.core.capability.PrepareContext.TeardownStep;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything done on behalf of one node, recorded as it is done, so that undoing it is one
 * loop in reverse order that nobody can forget: the same loop serves a normal stop and the
 * rollback of a creation that failed half way.
 */
final class Teardown {

    private static final Logger log = LoggerFactory.getLogger(Teardown.class);

    private record Step(String description, TeardownStep action) {}

    private final Deque<Step> steps = new ArrayDeque<>();

    synchronized void add(String description, TeardownStep action) {
        steps.push(new Step(description, action));
    }

    /**
     * Runs every step, newest first. A failing step is logged and the rest still run;
     * returns what failed, empty when all went well.
     */
    List<String> run(String owner) {
        List<String> failures = new ArrayList<>();
        while (true) {
            Step step;
            synchronized (this) {
                step = steps.poll();
            }
            if (step == null) {
                return failures;
            }
            try {
                step.action().run();
                log.debug("{}: undone: {}", owner, step.description());
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                failures.add(step.description() + ": " + e.getMessage());
                log.warn("{}: could not {}: {}", owner, step.description(), e.getMessage());
            }
        }
    }
}
