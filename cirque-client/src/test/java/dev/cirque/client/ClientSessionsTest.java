package dev.cirque.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Homes bound to their client's life: a killed client's homes are stopped by the daemon. */
class ClientSessionsTest {

    @Test
    void theHomesOfAClientKilledMidTestAreStopped() throws Exception {
        DaemonForTests daemon = DaemonForTests.shared();
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HomeHolder.class.getName(), daemon.address)
                .redirectErrorStream(true).start();
        try (CirqueClient cirque = CirqueClient.connect(daemon.address).open()) {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String home = null;
            StringBuilder said = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                said.append(line).append('\n');
                if (line.startsWith("home ")) {
                    home = line.substring(5);
                    break;
                }
            }
            assertTrue(home != null, "the holder made no home:\n" + said);
            assertTrue(cirque.homeIds().contains(home));

            holder.destroyForcibly(); // SIGKILL: no close, no shutdown hook
            holder.waitFor(30, TimeUnit.SECONDS);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (cirque.homeIds().contains(home) && System.nanoTime() < until) {
                Thread.sleep(100); // between looks at the daemon's homes
            }
            assertFalse(cirque.homeIds().contains(home), "the killed client's home is still running");
            assertTrue(daemon.log().contains("ended with 1 home(s) of its own still running"), daemon.log());
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void aClientMayLeaveItsHomesRunning() {
        DaemonForTests daemon = DaemonForTests.shared();
        String home;
        try (CirqueClient keeper = CirqueClient.connect(daemon.address).keepHomesAfterClose().open()) {
            home = keeper.newHome().device("a", "generic_node_image").create().id();
        }
        try (CirqueClient cirque = CirqueClient.connect(daemon.address).open()) {
            assertTrue(cirque.homeIds().contains(home), "kept after its client closed");
            cirque.home(home).close();
            assertFalse(cirque.homeIds().contains(home));
        }
    }
}
