package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.CappedOutput;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.recording.HomeRecording;
import dev.cirque.core.recording.Recordings;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flight recorder as every front offers it: a home's recording (live, or kept after its
 * stop) written as one zip. What goes into a recording is gathered here as the home lives:
 * its events, its nodes' logs as they go, its bridges' frames, its topology at the end.
 */
public final class HomeRecordings {

    /** The last lines of a node's log a recording keeps (and fewer when its bytes say so). */
    static final int LOG_LINES = 10_000;

    private final Recordings recordings;
    private final HomeRegistry registry;
    private final ContainerEngine engine;
    private final List<String> mediaNames;

    HomeRecordings(Recordings recordings, HomeRegistry registry, ContainerEngine engine, List<String> mediaNames) {
        this.mediaNames = mediaNames;
        this.recordings = recordings;
        this.registry = registry;
        this.engine = engine;
    }

    /** Whether homes are recorded (not with {@code --recording-bytes 0}). */
    public boolean on() {
        return recordings.on();
    }

    public Recordings recordings() {
        return recordings;
    }

    /** The home's recording as a zip's bytes (see {@link #write}). */
    public byte[] zip(String homeId) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1 << 16);
        try {
            write(homeId, out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // into memory: cannot happen
        }
        return out.toByteArray();
    }

    /**
     * Writes the home's recording as a zip: NOT_FOUND for a home neither live nor kept,
     * FAILED_PRECONDITION when recording is off.
     */
    public void write(String homeId, OutputStream out) throws IOException {
        HomeRecording r = find(homeId);
        Object topology = r.lastTopology();
        List<HomeRecording.NodeLog> liveLogs = new ArrayList<>();
        Home home = r.ended() ? null : registry.find(homeId).orElse(null); // none while it is being stopped
        if (home != null) {
            topology = topology(home, home.nodes());
            for (Node n : home.nodes()) {
                liveLogs.add(new HomeRecording.NodeLog(n.id(), n.name(), log(n.containerId(), r.logBytes())));
            }
        }
        r.writeZip(out, topology, liveLogs);
    }

    /** Stopped homes whose recordings are kept, the most recently stopped first. */
    public List<String> keptHomes() {
        List<String> kept = new ArrayList<>(recordings.keptHomes());
        java.util.Collections.reverse(kept);
        return kept;
    }

    /** The home's recording, live or kept, or the error that says why there is none. */
    public HomeRecording find(String homeId) {
        if (!recordings.on()) {
            throw CirqueException.precondition("this daemon records no home (--recording-bytes 0)");
        }
        return recordings.find(homeId).orElseThrow(() -> CirqueException.notFound("no home with id '" + homeId
                + "' and no recording of it (the " + Recordings.KEPT + " most recently stopped homes' recordings are"
                + " kept, within --recording-total-bytes)"));
    }

    /** Keeps a medium's links after a change ({@code detail}: the LINKS_CHANGED event's), in the home's recording. */
    void linksChanged(String homeId, Map<String, String> detail) {
        recordings.live(homeId).ifPresent(r -> {
            Home home = registry.find(homeId).orElse(null);
            if (home == null) {
                return; // stopped meanwhile: its recording has its stop
            }
            String change = detail.getOrDefault("change", "");
            // A seed concerns every medium (its detail names none): each medium's state is kept.
            for (String medium : detail.containsKey("medium") ? List.of(detail.get("medium")) : mediaNames) {
                r.links(Instant.now(), medium, change, home.links(medium).snapshot().describe());
            }
        });
    }

    /**
     * Records a running node's own interface when its network has no host bridge to capture
     * (ipvlan, macvlan); returns what ends that capture, or nothing to end.
     */
    Runnable captureUnbridged(String homeId, String nodeName, HomeNetwork network, long namespacePid) {
        if (network.driver().equals("bridge")) {
            return () -> { };
        }
        // A node's only interface is its network's, eth0 (the container is made on that one network).
        return recordings.captureNode(homeId, network.name() + "/" + nodeName, "eth0 of node " + nodeName + " on the"
                + " home's network " + network.name() + " (" + network.driver() + ")", namespacePid, "eth0")
                .<Runnable>map(c -> c::close).orElse(() -> { });
    }

    /** Keeps the log of a node that goes, in its home's recording. */
    void keepLog(String homeId, String nodeId, String name, String containerId) {
        recordings.live(homeId).ifPresent(r -> r.keepLog(nodeId, name, log(containerId, r.logBytes())));
    }

    /** Notes the home's topology just before it stops, for its kept recording. */
    void stopping(Home home, List<Node> nodes) {
        recordings.live(home.id()).ifPresent(r -> r.lastTopology(topology(home, nodes)));
    }

    private String log(String containerId, long maxBytes) {
        try {
            CappedOutput out = new CappedOutput(maxBytes);
            engine.logs(containerId, LOG_LINES, true, out);
            return out.text();
        } catch (RuntimeException e) {
            return "[cirque: the log could not be read: " + e.getMessage() + "]\n";
        }
    }

    /** The home's nodes, networks and link conditions of every medium, now. */
    private Map<String, Object> topology(Home home, List<Node> nodes) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("home_id", home.id());
        t.put("taken_at", Instant.now().toString());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Node n : nodes) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("id", n.id());
            node.put("name", n.name());
            node.put("type", n.spec().deviceType());
            node.put("image", n.spec().image());
            node.put("state", n.state().wireName());
            node.put("network", n.network().name());
            node.put("ipv4", n.ipv4());
            node.put("ipv6", n.ipv6());
            node.put("capabilities", n.capabilityDescriptions());
            out.add(node);
        }
        t.put("nodes", out);
        Map<String, Object> media = new LinkedHashMap<>();
        for (String medium : mediaNames) {
            media.put(medium, home.links(medium).snapshot().describe());
        }
        t.put("links", media);
        return t;
    }
}
