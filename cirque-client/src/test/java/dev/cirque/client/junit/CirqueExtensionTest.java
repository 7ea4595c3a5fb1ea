package dev.cirque.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.cirque.client.CirqueClient;
import dev.cirque.client.DaemonForTestsAccess;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
    void aStaticHomeServesTheClassAndAFailureGetsItsNodesLogs() {
        SharedHomeExample.SEEN.clear();
        EngineExecutionResults results = run(SharedHomeExample.class);
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        assertEquals(2, SharedHomeExample.SEEN.size());
        assertEquals(SharedHomeExample.SEEN.get(0), SharedHomeExample.SEEN.get(1), "one home for the class");
        List<ReportEntry> entries = results.allEvents().reportingEntryPublished().stream()
                .map(e -> e.getRequiredPayload(ReportEntry.class)).toList();
        assertEquals(1, entries.size(), "one report, from the failing test: " + entries);
        String logs = entries.get(0).getKeyValuePairs().get("cirque home " + SharedHomeExample.SEEN.get(0));
        assertTrue(logs != null && logs.contains("----- x (") && logs.contains("x-was-here")
                && logs.contains("----- y ("), String.valueOf(entries));
        assertEquals(List.of(), cirque.homeIds(), "the class's home was stopped after its tests");
    }
}
