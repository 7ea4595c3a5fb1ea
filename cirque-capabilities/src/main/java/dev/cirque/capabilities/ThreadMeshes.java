package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CaptureCalls;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.sim.thread.ThreadMedium;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the fronts (gRPC, HTTP, CLI) ask of a home's Thread mesh: its topology and its
 * capture. Unknown homes are NOT_FOUND; a daemon without the Thread medium, or a capture
 * of a home without Thread nodes, FAILED_PRECONDITION.
 */
public final class ThreadMeshes {

    /** What changed in a node between two looks: its role, or a neighbour that came or went. */
    public sealed interface Change permits RoleChange, NeighborChange {
        String device();
    }

    public record RoleChange(String device, String from, String to) implements Change {}

    /** {@code neighbor} is the neighbour's device id, or null when no node of the home has its address. */
    public record NeighborChange(String device, String neighbor, String extaddr, boolean up) implements Change {}

    /** Where a watch sends changes, and how it learns its watcher left. */
    public interface Watcher {
        void changed(Change change);

        boolean gone();
    }


    private final HomeService homes;

    public ThreadMeshes(HomeService homes) {
        this.homes = homes;
    }

    /** NOT_FOUND for an unknown home. */
    public void home(String home) {
        homes.home(home);
    }

    /** Whether the home is still there. */
    public boolean exists(String home) {
        return homes.homes().stream().anyMatch(h -> h.id().equals(home));
    }

    public List<ThreadTopology.ThreadNode> topology(String home) {
        ThreadMedium medium = medium();
        homes.home(home);
        return ThreadTopology.of(homes, home, medium);
    }

    /**
     * Changes a node's Thread device mode (see {@link ThreadDeviceMode}): set in its stack at
     * once when it runs, in its turn with clients' commands, and at each later start. NOT_FOUND
     * for an unknown home or node, INVALID_ARGUMENT for a mode or poll period the node cannot
     * have, FAILED_PRECONDITION when its stack refuses or the node has no Thread radio.
     *
     * @return the node's mode now: {@code device_mode}, {@code poll_period_ms}
     */
    public Map<String, Object> setDeviceMode(String home, String device, String mode, long pollPeriodMs) {
        Node node = homes.node(home, device);
        ThreadCapability thread = homes.capabilities().provider(ThreadCapability.NAME)
                .map(ThreadCapability.class::cast)
                .orElseThrow(() -> CirqueException.precondition("this daemon has no Thread capability"));
        return thread.changeDeviceMode(node.id(), mode, pollPeriodMs, commands -> {
            if (node.state() != Node.State.RUNNING) {
                return; // set as it starts
            }
            homes.questions().inTurn(home, device, ThreadTopology.CLIENTS_PATIENCE, () -> {
                for (String c : commands) {
                    String answer = ThreadTopology.ctl(homes, home, device, c);
                    if (!answer.equals("Done")) {
                        throw CirqueException.precondition("ot-ctl " + c + " in " + device + ": " + answer);
                    }
                }
                return null;
            });
        });
    }

    public boolean capturing(String home) {
        return medium().capturing(home);
    }

    public CaptureState capture(String home, boolean start) {
        ThreadMedium medium = medium();
        homes.home(home);
        return CaptureCalls.set(medium, home, start, "/thread/" + home + "/capture");
    }

    /**
     * Looks at the home's mesh every {@code interval} and reports what changed, until the
     * watcher leaves or the home goes (then NOT_FOUND is thrown). The first look reports each
     * node's role (from ""), and its neighbours as up.
     */
    public void watch(String home, Duration interval, Watcher watcher) throws InterruptedException {
        Map<String, String> roles = new HashMap<>();
        Map<String, Set<String>> neighbors = new HashMap<>();
        while (!watcher.gone()) {
            for (ThreadTopology.ThreadNode n : topology(home)) {
                if (n.error() != null) {
                    continue; // not asked this round: nothing is known to have changed
                }
                String role = n.role();
                String before = roles.put(n.device(), role);
                if (!role.equals(before)) {
                    watcher.changed(new RoleChange(n.device(), before == null ? "" : before, role));
                }
                Map<String, ThreadTopology.Neighbor> now = new LinkedHashMap<>();
                n.neighbors().forEach(nb -> now.put(nb.extaddr(), nb));
                Set<String> earlier = neighbors.getOrDefault(n.device(), Set.of());
                for (ThreadTopology.Neighbor nb : now.values()) {
                    if (!earlier.contains(nb.extaddr())) {
                        watcher.changed(new NeighborChange(n.device(), nb.device(), nb.extaddr(), true));
                    }
                }
                for (String gone : earlier) {
                    if (!now.containsKey(gone)) {
                        watcher.changed(new NeighborChange(n.device(), null, gone, false));
                    }
                }
                neighbors.put(n.device(), new HashSet<>(now.keySet()));
            }
            Thread.sleep(interval.toMillis()); // the watch's own pace between looks
        }
    }

    /** The capture's bytes, while it runs too. */
    public byte[] captured(String home) {
        ThreadMedium medium = medium();
        homes.home(home);
        return CaptureCalls.read(medium, home, "POST /thread/" + home + "/capture/start, SetThreadCapture");
    }

    private ThreadMedium medium() {
        return homes.links().find(ThreadMedium.NAME).map(ThreadMedium.class::cast).orElseThrow(
                () -> CirqueException.precondition("this daemon has no Thread medium"));
    }
}
