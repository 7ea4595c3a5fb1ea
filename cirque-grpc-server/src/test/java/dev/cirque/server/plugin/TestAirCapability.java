package dev.cirque.server.plugin;

import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capture.CapturingMedium;
import dev.cirque.core.capture.HomeCaptures;
import dev.cirque.core.capture.PcapWriter;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.link.MediumEvents;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A medium brought by a plug-in, as the Echo capability is a capability: {@code test-air}
 * carries nothing, but it keeps what core hands it (each home's radios and link conditions),
 * answers the generic query with them, tells the home's watchers when its conditions change
 * (only then: every test daemon has it, and other tests count their events), and captures
 * one frame per change. No front has a line for it:
 * the front tests reach it through {@code MediumService}, {@code /media}, the CLI's
 * {@code medium} and {@code capture}, and the link calls with {@code medium: test-air}.
 */
public final class TestAirCapability implements CapabilityProvider {

    /** The medium's name in every front. */
    public static final String MEDIUM = "test-air";
    /** The frame written on each change: fixed, so that captures of any home compare. */
    static final byte[] FRAME = "test-air: changed".getBytes(StandardCharsets.US_ASCII);
    public static final int FRAME_LENGTH = FRAME.length;

    private final TestAir air = new TestAir();

    @Override
    public String name() {
        return "TestAir";
    }

    @Override
    public List<LinkMedium> media() {
        return List.of(air);
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        return () -> "TestAir"; // every node is on the medium; the capability adds nothing
    }

    static final class TestAir implements CapturingMedium {
        private final Map<String, Set<String>> radios = new ConcurrentHashMap<>();
        private final Map<String, LinkModel.Snapshot> conditions = new ConcurrentHashMap<>();
        private final HomeCaptures captures = new HomeCaptures(Path.of(System.getProperty("java.io.tmpdir")),
                MEDIUM, 147); // LINKTYPE_USER0
        private volatile MediumEvents events = MediumEvents.NONE;

        @Override
        public String name() {
            return MEDIUM;
        }

        @Override
        public void tellThrough(MediumEvents events) {
            this.events = events;
        }

        @Override
        public void attach(MediumNode node, LinkModel.Snapshot snapshot) {
            radios.computeIfAbsent(node.homeId(), h -> ConcurrentHashMap.newKeySet()).add(node.nodeId());
            conditions.put(node.homeId(), snapshot);
        }

        @Override
        public void detach(String homeId, String nodeId) {
            Set<String> home = radios.getOrDefault(homeId, Set.of());
            home.remove(nodeId);
            if (home.isEmpty()) {
                radios.remove(homeId);
                conditions.remove(homeId);
                captures.forget(homeId);
            }
        }

        @Override
        public void apply(String homeId, LinkModel.Snapshot snapshot) {
            if (!radios.containsKey(homeId)) {
                return; // its radios have left (the home stops): nothing here to tell
            }
            LinkModel.Snapshot before = conditions.put(homeId, snapshot);
            if (before != null && before.describe().equals(snapshot.describe())) {
                return; // handed again unchanged (a node left): nothing to tell
            }
            PcapWriter w = captures.writer(homeId);
            if (w != null) {
                w.write(FRAME, 0, FRAME.length);
            }
            events.tell(homeId, "", "conditions_applied", Map.of("links", String.valueOf(snapshot.links().size())));
        }

        @Override
        public Map<String, Object> describe(String homeId) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("radios", radios.getOrDefault(homeId, Set.of()).size());
            out.putAll(conditions.getOrDefault(homeId, LinkModel.Snapshot.EMPTY).describe());
            return out;
        }

        @Override
        public HomeCaptures captures() {
            return captures;
        }

        @Override
        public boolean carries(String homeId) {
            return !radios.getOrDefault(homeId, Set.of()).isEmpty();
        }

        @Override
        public void close() {
            captures.close();
        }
    }
}
