package dev.cirque.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * examples/python/run.sh against a real daemon: stubs generated from proto/ by grpcio-tools,
 * a home from the Matter-shaped topology file, a ping, 100 ms set on the link, a ping again.
 */
class PythonExampleTest {

    @Test
    void thePythonExampleRunsAgainstTheDaemon() throws Exception {
        Path script = Path.of("..", "examples", "python", "run.sh").toAbsolutePath().normalize();
        assumeTrue(Files.isExecutable(script), "no " + script + " (not run from the repository)");
        assumeTrue(new ProcessBuilder("python3", "-c", "import venv, ensurepip").start().waitFor() == 0,
                "python3 with venv and ensurepip is not installed (python3-venv): the Python example is skipped");
        DaemonForTests daemon = DaemonForTests.shared();
        ProcessBuilder pb = new ProcessBuilder(script.toString(), daemon.address).redirectErrorStream(true);
        pb.environment().put("CIRQUE_PY_VENV", Path.of("target", "py-venv").toAbsolutePath().toString());
        Path recording = Path.of("target", "py-recording.zip").toAbsolutePath();
        Files.deleteIfExists(recording);
        pb.environment().put("CIRQUE_RECORDING", recording.toString()); // as a failing run would keep it
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("with 100 ms each way") && out.contains("stopped"), out);
        String events = Zips.textEntries(recording).get("events.jsonl");
        assertTrue(events.contains("\"LINKS_CHANGED\"") && events.contains("\"HOME_STOPPED\""), events);
    }
}
