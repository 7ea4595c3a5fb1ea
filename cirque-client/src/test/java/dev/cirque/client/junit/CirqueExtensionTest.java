package dev.cirque.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.cirque.client.CirqueClient;
import dev.cirque.client.DaemonForTestsAccess;
import dev.cirque.client.Zips;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** The extension, run on example test classes by JUnit's own test kit, against a real daemon. */
class CirqueExtensionTest {

    private static CirqueClient cirque;

    @BeforeAll
    static void daemon() {
        cirque = CirqueClient.connect(DaemonForTestsAccess.sharedAddress()).open();
    }

    @AfterAll
    static void close() {
        cirque.close();
    }

    private static EngineExecutionResults run(Class<?> example) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(example)).execute();
    }

    @Test
    void aTestClassGetsItsHomeFromATopologyFileAndLeavesNothing() {
        EngineExecutionResults results = run(ThreeNodeHomeExample.class);
        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1).failed(0));
        assertEquals(List.of(), cirque.homeIds(), "the home was stopped after the test");
    }

    @Test
    void aStaticHomeServesTheClassAndAFailureGetsItsNodesLogsAndItsRecording(@TempDir Path recordings)
            throws Exception {
        SharedHomeExample.SEEN.clear();
        System.setProperty(CirqueExtension.RECORDINGS_DIR, recordings.toString());
        EngineExecutionResults results;
        try {
            results = run(SharedHomeExample.class);
        } finally {
            System.clearProperty(CirqueExtension.RECORDINGS_DIR);
        }
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        assertEquals(2, SharedHomeExample.SEEN.size());
        String home = SharedHomeExample.SEEN.get(0);
        assertEquals(home, SharedHomeExample.SEEN.get(1), "one home for the class");
        List<ReportEntry> entries = results.allEvents().reportingEntryPublished().stream()
                .map(e -> e.getRequiredPayload(ReportEntry.class)).toList();
        assertEquals(2, entries.size(), "the failing test's logs and recording, no more: " + entries);
        String logs = entries.get(0).getKeyValuePairs().get("cirque home " + home);
        assertTrue(logs != null && logs.contains("----- x (") && logs.contains("x-was-here")
                && logs.contains("----- y ("), String.valueOf(entries));
        Path kept = Path.of(entries.get(1).getKeyValuePairs().get("cirque recording " + home));
        assertEquals(recordings.resolve(SharedHomeExample.class.getName()).resolve("secondFails-" + home + ".zip"), kept);
        Map<String, String> zip = Zips.textEntries(kept);
        assertTrue(zip.get("events.jsonl").contains("\"kind\":\"EXEC_STARTED\"")
                && zip.get("events.jsonl").contains("x-was-here"), zip.get("events.jsonl"));
        assertTrue(zip.keySet().containsAll(List.of("recording.pcapng", "topology.json", "summary.json")), zip.keySet()
                .toString());
        assertTrue(zip.keySet().stream().filter(n -> n.startsWith("logs/")).count() == 2, zip.keySet().toString());
        assertEquals(List.of(), cirque.homeIds(), "the class's home was stopped after its tests");
    }
}
