package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import java.time.Duration;
import java.util.Optional;

/**
 * Thread role changes in the home's event stream (THREAD_ROLE_CHANGED): OpenThread tells no
 * one when a node's role changes, so its stack is asked ({@code ot-ctl state}), as
 * {@link PolledNodeEvents} says.
 */
public final class ThreadRoleEvents extends PolledNodeEvents {

    /** How often watched homes' Thread nodes are asked. */
    public static final Duration INTERVAL = Duration.ofSeconds(2);

    private ThreadRoleEvents(HomeService homes) {
        super(homes, "THREAD_ROLE_CHANGED", "cirque-thread-roles", true);
    }

    public static ThreadRoleEvents start(HomeService homes, Duration interval) {
        ThreadRoleEvents events = new ThreadRoleEvents(homes);
        events.start(interval);
        return events;
    }

    @Override
    boolean concerns(Node node) {
        return node.spec().capabilities().stream().anyMatch(c -> c.name().equals(ThreadCapability.NAME));
    }

    @Override
    Optional<String> probe(String home, Node node) {
        try {
            return Optional.of(homes.questions().inTurn(home, node.id(), Duration.ZERO,
                    () -> ThreadTopology.ctl(homes, home, node.id(), "state")));
        } catch (CirqueException e) {
            return Optional.empty();
        }
    }
}
