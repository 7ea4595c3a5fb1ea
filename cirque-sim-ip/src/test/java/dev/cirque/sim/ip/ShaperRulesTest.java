package dev.cirque.sim.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The IP shaper's host rules, against the host's real iptables and ip6tables (root, as the
 * daemon runs). The ports named here exist nowhere, so the rules match no packet.
 */
class ShaperRulesTest {

    private final String home = "test-" + UUID.randomUUID();
    private final ShaperRules rules = new ShaperRules(65_000);

    @AfterEach
    void leaveNoRule() throws Exception {
        for (String tool : List.of("iptables", "ip6tables")) {
            for (String line : ours(tool)) {
                run(List.of(tool, "-w", "5", "-t", "raw", "-D", "PREROUTING", "-m", "physdev", "--physdev-in",
                        line.replaceAll(".*--physdev-in (\\S+).*", "$1"), "-m", "comment", "--comment",
                        line.replaceAll(".*--comment \"?(\\S+?)\"? .*", "$1"), "-j", "NFQUEUE", "--queue-num", "65000",
                        "--queue-bypass"));
            }
            assertEquals(List.of(), ours(tool), tool + " rules of this test left");
        }
    }

    @Test
    void aPortsRuleQueuesItsPacketsOnBothIpVersionsAndGoesWithIt() throws Exception {
        assumeTrue(run(List.of("iptables", "-w", "5", "-t", "raw", "-S", "PREROUTING")).code == 0,
                "no usable iptables here (the daemon needs root and iptables)");
        ShaperRules.Port a = new ShaperRules.Port(home, "a", "cqtesta0");
        ShaperRules.Port b = new ShaperRules.Port(home, "b", "cqtestb0");
        rules.add(List.of(a, b));
        for (String tool : List.of("iptables", "ip6tables")) {
            List<String> got = ours(tool);
            assertEquals(2, got.size(), tool + ": " + got);
            assertTrue(got.get(0).contains("--physdev-in cqtesta0") && got.get(0).contains("--queue-num 65000")
                    && got.get(0).contains("--queue-bypass") && got.get(0).contains("cirque:" + home + ":a:ip"),
                    got.get(0));
        }
        // One already gone does not keep the batch's others (a restore fails whole).
        rules.delete(List.of(a));
        rules.delete(List.of(a, b));
        assertEquals(List.of(), ours("iptables"));
        assertEquals(List.of(), ours("ip6tables"));
    }

    private List<String> ours(String tool) throws IOException, InterruptedException {
        return run(List.of(tool, "-w", "5", "-t", "raw", "-S", "PREROUTING")).out.lines()
                .filter(l -> l.contains(home)).toList();
    }

    private record Result(int code, String out) {}

    private static Result run(List<String> argv) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }
}
