package dev.cirque.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.home.Labels;
import dev.cirque.core.testing.Eventually;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.server.DaemonServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code cirque} command line, run as a user runs it: its own JVM, args, stdin and terminal. */
class CliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static DaemonUnderTest under;
    private static DockerEngine engine;
    private static DaemonServer daemon;
    @TempDir
    static Path dir;
    private static Path topology;

    @BeforeAll
    static void start() throws Exception {
        under = new DaemonUnderTest(false);
        engine = under.engine;
        daemon = under.server;
        topology = dir.resolve("topology.json");
        Files.writeString(topology, """
                {"device0": {"type": "generic_node_image", "capability": ["Interactive"]},
                 "device1": {"type": "generic_node_image"}}""");
    }

    @AfterAll
    static void stop() {
        under.close();
    }

    @Test
    void oneShotCommandsDriveARunningDaemon() throws Exception {
        String connect = "127.0.0.1:" + daemon.port();
        Result made = cli("--connect", connect, "--json", "create_home", "--file", topology.toString());
        assertEquals(0, made.code, made.err);
        JsonNode doc = JSON.readTree(made.out);
        String home = doc.get("home_id").asText();
        String device = doc.get("devices").get("device0").get("id").asText();
        assertEquals(List.of("Interactive"), List.of(doc.get("devices").get("device0").get("capabilities").get(0).asText()));

        Result homes = cli("--connect", connect, "homes");
        assertTrue(homes.out.lines().anyMatch(home::equals), homes.out);

        Result table = cli("--connect", connect, "home_devices", home);
        assertTrue(table.out.startsWith("DEVICE") && table.out.contains(device), table.out);

        Result ran = cli("--connect", connect, "run_exec", home, device, "--", "sh", "-c", "echo 'a  b' $0", "x y");
        assertEquals(0, ran.code, ran.err);
        assertEquals("a  b x y\n", ran.out, "argv arrives word for word");
        Result failed = cli("--connect", connect, "run_exec", home, device, "--", "sh", "-c", "echo bad; exit 3");
        assertEquals(1, failed.code);
        assertEquals("bad\n", failed.out);

        Result unknown = cli("--connect", connect, "device_state", home, "no-such-device");
        assertEquals(1, unknown.code);
        assertTrue(unknown.err.contains("error: no device with id 'no-such-device'"), unknown.err);
        Result usage = cli("--connect", connect, "device_state", home);
        assertEquals(2, usage.code, "a missing argument is a usage error");

        assertEquals(0, cli("--connect", connect, "close_device", home, device).code);
        Result destroyed = cli("--connect", connect, "--json", "destroy_home", home);
        assertEquals(home, JSON.readTree(destroyed.out).get("destroyed").asText());
        assertEquals(List.of(), engine.containersLabelled(Labels.home(home)));

        Result down = cli("--connect", "127.0.0.1:1", "homes");
        assertEquals(1, down.code);
        assertTrue(down.err.contains("cannot reach the cirque daemon"), down.err);
    }

    @Test
    void linkVerbsSetReadAndClearConditionsOfARunningHome() throws Exception {
        String connect = "127.0.0.1:" + daemon.port();
        JsonNode made = JSON.readTree(cli("--connect", connect, "--json", "create_home", "--file", topology.toString()).out);
        String home = made.get("home_id").asText();
        String a = made.get("devices").get("device0").get("id").asText();
        String b = made.get("devices").get("device1").get("id").asText();
        try {
            Result set = cli("--connect", connect, "--json", "set_link", home, a, b, "--latency", "80", "--loss", "2.5");
            assertEquals(0, set.code, set.err);
            JsonNode link = JSON.readTree(set.out).get("links").get(0);
            assertEquals(80, link.get("latencyMs").asInt());
            assertEquals(2.5, link.get("loss").asDouble());
            Result cut = cli("--connect", connect, "partition", home, "island", b);
            assertEquals(0, cut.code, cut.err);
            assertTrue(cut.out.contains("partition island: " + b), cut.out);
            Result table = cli("--connect", connect, "links", home);
            assertTrue(table.out.startsWith("FROM") && table.out.contains("80"), table.out);
            Result bad = cli("--connect", connect, "set_link", home, a, "no-such-device", "--latency", "5");
            assertEquals(1, bad.code);
            assertTrue(bad.err.contains("no device with id 'no-such-device'"), bad.err);
            Result healed = cli("--connect", connect, "--json", "heal", home);
            assertEquals(0, healed.code, healed.err);
            JsonNode state = JSON.readTree(healed.out);
            assertEquals(0, state.get("links").size());
            assertEquals(0, state.get("partitions").size());
        } finally {
            cli("--connect", connect, "destroy_home", home);
        }
    }

    @Test
    void theInProcessShellOverAPipeMakesAndTearsDownItsHomes() throws Exception {
        Process p = start(List.of("--json"), dir.resolve("history-pipe"));
        try {
            shellOverPipe(p);
        } finally {
            end(p);
        }
    }

    @Test
    void theInProcessCoreRunsWithTheDaemonsSettings() throws Exception {
        // The same composition root as the daemon: its mount policy and its limits apply here too.
        List<String> before = engine.containersLabelled(Labels.managed());
        List<String> networksBefore = engine.networksLabelled(Labels.managed());
        Path mounts = Files.writeString(dir.resolve("mount-topology.json"), "{\"d\": {\"type\": \""
                + "generic_node_image\", \"capability\": [\"Mount\"], \"mount_pairs\": [[\"/var/tmp\", \"/x\"]]}}");
        Result closed = cli("create_home", "--file", mounts.toString());
        assertEquals(1, closed.code, closed.out + closed.err);
        assertTrue(closed.err.contains("mounts no host path") && closed.err.contains("--mount-root"), closed.err);
        Result outside = cli("--mount-root", dir.toString(), "create_home", "--file", mounts.toString());
        assertEquals(1, outside.code, outside.out + outside.err);
        assertTrue(outside.err.contains("outside the allowed mount roots"), outside.err);

        Result tooMany = cli("--max-nodes-per-home", "1", "create_home", "--file", topology.toString());
        assertEquals(1, tooMany.code, tooMany.out + tooMany.err);
        assertTrue(tooMany.err.contains("--max-nodes-per-home"), tooMany.err);
        assertEquals(before, engine.containersLabelled(Labels.managed()), "the refused homes left nothing");
        assertEquals(networksBefore, engine.networksLabelled(Labels.managed()));
    }

    private static void shellOverPipe(Process p) throws Exception {
        Lines out = new Lines(p);
        OutputStream in = p.getOutputStream();
        say(in, "create_home --file " + topology);
        JsonNode made = JSON.readTree(out.next(120));
        String home = made.get("home_id").asText();
        String device = made.get("devices").get("device1").get("id").asText();
        assertEquals(2, engine.containersLabelled(Labels.home(home)).size(), "no daemon runs: the CLI made them");

        say(in, "run_exec " + home + " " + device + " -- hostname -i");
        JsonNode ran = JSON.readTree(out.next(60));
        assertEquals(0, ran.get("exit_code").asInt());
        assertEquals(made.get("devices").get("device1").get("ipv4").asText(), ran.get("output").asText().strip());

        say(in, "history");
        JsonNode history = JSON.readTree(out.next(30));
        assertEquals("create_home --file " + topology, history.get(0).asText());

        say(in, "exit");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the shell did not leave on 'exit'");
        assertEquals(0, p.exitValue());
        assertEquals(List.of(), engine.containersLabelled(Labels.home(home)));
        assertEquals(List.of(), engine.networksLabelled(Labels.home(home)));
        assertTrue(Files.readString(dir.resolve("history-pipe")).contains("run_exec " + home));
    }

    @Test
    void theShellOnATerminalPromptsAndCompletesIds() throws Exception {
        String connect = "127.0.0.1:" + daemon.port();
        String home = JSON.readTree(cli("--connect", connect, "--json", "create_home").out).get("home_id").asText();
        // script(1) gives the CLI a pseudo-terminal, as a user's terminal would.
        List<String> java = javaCommand(List.of("--connect", connect));
        Process p = new ProcessBuilder("script", "-qfec", String.join(" ", java.stream().map(CliTest::shellQuote).toList()),
                "/dev/null").redirectErrorStream(true).start();
        try {
            typeOnTerminal(p, home);
        } finally {
            end(p);
            cli("--connect", connect, "destroy_home", home);
        }
    }

    private static void typeOnTerminal(Process p, String home) throws Exception {
        StringBuilder screen = new StringBuilder();
        Thread pump = new Thread(() -> {
            try {
                byte[] buf = new byte[4096];
                for (int n; (n = p.getInputStream().read(buf)) > 0; ) {
                    synchronized (screen) {
                        screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        pump.setDaemon(true);
        pump.start();
        OutputStream keys = p.getOutputStream();
        awaitScreen(screen, "cirque> ", 60);
        keys.write("home_dev\t".getBytes(StandardCharsets.UTF_8)); // completes the command
        keys.flush();
        awaitScreen(screen, "home_devices", 20);
        keys.write(" \t".getBytes(StandardCharsets.UTF_8)); // completes the only home's id
        keys.flush();
        awaitScreen(screen, home, 20);
        keys.write("\rexit\r".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "shell did not exit:\n" + screen);
        awaitScreen(screen, "DEVICE", 5); // home_devices ran on the completed id
    }

    /** Ends a CLI process that is still running: SIGTERM lets it tear down its homes. */
    private static void end(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.toHandle().descendants().forEach(ProcessHandle::destroy);
            p.toHandle().destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------

    private record Result(int code, String out, String err) {}

    private static Result cli(String... args) throws Exception {
        Process p = start(List.of(args), dir.resolve("history-oneshot"));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out, err);
    }

    private static List<String> javaCommand(List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CirqueCli.class.getName()));
        command.addAll(args);
        return command;
    }

    private static Process start(List<String> args, Path history) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(javaCommand(args));
        pb.environment().put("CIRQUE_HISTORY", history.toString());
        return pb.start();
    }

    private static void say(OutputStream in, String line) throws IOException {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    private static void awaitScreen(StringBuilder screen, String text, int seconds) {
        Eventually.await("'" + text + "' on the terminal", java.time.Duration.ofSeconds(seconds), Eventually.EVERY,
                () -> {
                    synchronized (screen) {
                        return screen.indexOf(text) >= 0 ? java.util.Optional.of(true) : java.util.Optional.empty();
                    }
                }, () -> {
                    synchronized (screen) {
                        return "\n" + screen;
                    }
                });
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** A process's stdout, line by line, with a time limit per line. */
    private static final class Lines {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        Lines(Process p) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        String next(int seconds) throws InterruptedException {
            String line = lines.poll(seconds, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("no output within " + seconds + " s");
            }
            return line;
        }
    }
}
