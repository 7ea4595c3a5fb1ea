package dev.cirque.core.link;

import dev.cirque.core.recording.FrameTap;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A medium the daemon carries, and so can shape: IP between nodes (the host's shaper),
 * later Thread frames (the relay) and WiFi frames (hwsim's medium). Every node of a home
 * is attached when it comes up and detached when it goes; {@link #apply} hands the home's
 * conditions over whenever they change, and must take effect before it returns.
 */
public interface LinkMedium extends AutoCloseable {

    /** A node as a medium sees it. */
    record MediumNode(String homeId, String nodeId, long namespacePid, List<InetAddress> addresses) {}

    /** The medium's name in the link API ({@code ip}). */
    String name();

    void attach(MediumNode node, LinkModel.Snapshot conditions);

    void detach(String homeId, String nodeId);

    void apply(String homeId, LinkModel.Snapshot conditions);

    /**
     * What the medium knows of a home, for every front's generic query ({@code DescribeMedium},
     * {@code GET /media/{medium}/{home}}, {@code medium}): maps, lists, strings, numbers and
     * booleans only. Empty by default.
     */
    default Map<String, Object> describe(String homeId) {
        return Map.of();
    }

    /**
     * The radio this medium's nodes have, for the home's space to turn where they are into
     * links ({@code dev.cirque.core.space}); empty for a medium that is no radio (IP).
     */
    default java.util.Optional<dev.cirque.core.space.RadioProfile> radio() {
        return java.util.Optional.empty();
    }

    /** Takes where to tell the homes' watchers what this medium sees; called once, before any home. */
    default void tellThrough(MediumEvents events) {}

    /**
     * Takes where to hand the frames this medium carries, with what became of each, for the
     * homes' recordings; called once, before any home. A medium whose frames are the host's
     * to see (IP, on the home's bridges) records nothing itself.
     */
    default void recordThrough(FrameTap frames) {}

    @Override
    void close();
}
