package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.HomeEvent;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.PowerDeviceRequest;
import dev.cirque.proto.WatchHomeRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The flight recorder's replay in a real browser: a scenario is run while the live view shows
 * it (a partition and its heal, a Thread network forming, a node powered off), what the live
 * view showed is noted at chosen moments, the home is stopped, and the replay of its recording
 * must show the same at those moments. Real OpenThread where CIRQUE_OT_BIN_DIR has it; without
 * it, the Thread step is left out, saying so.
 */
class ReplayBrowserTest {

    @RegisterExtension
    static final Chromium chromium = new Chromium();

    /** What the live view showed at one moment: node states, partitions, Thread roles. */
    private record Seen(long epochMs, Map<String, String> states, String partitions, Map<String, String> roles) {}

    @Test
    void theReplayShowsAtEachMomentWhatTheLiveViewShowedThen() throws Exception {
        String bin = System.getenv("CIRQUE_OT_BIN_DIR");
        boolean thread = bin != null && java.nio.file.Files.isExecutable(java.nio.file.Path.of(bin, "ot-rcp"));
        try (TestDaemon d = thread ? ThreadMesh.daemon(ThreadMesh.requireOpenThread()) : new TestDaemon()) {
            CreateCirqueHomeWithDevicesRequest.Builder b = CreateCirqueHomeWithDevicesRequest.newBuilder();
            b.putDevices("a", DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build());
            b.putDevices("b", DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build());
            if (thread) {
                for (String n : List.of("t1", "t2")) {
                    b.putDevices(n, DeviceSpecification.newBuilder().setDeviceType("thread_node").setBaseImage(
                            ThreadMesh.IMAGE).setThreadCapability(dev.cirque.proto.ThreadCapability.newBuilder()
                            .setRcpMode(true)).build());
                }
            } else {
                System.out.println("replay: CIRQUE_OT_BIN_DIR has no OpenThread: the Thread step is left out");
            }
            var made = d.stub.createCirqueHomeWithDevices(b.build());
            String home = made.getHomeId();
            Map<String, String> ids = new TreeMap<>();
            made.getDevicesMap().forEach((k, v) -> ids.put(k, v.getDeviceId()));
            Iterator<HomeEvent> watch = CirqueServiceGrpc.newBlockingStub(d.channel).withDeadlineAfter(5, TimeUnit.MINUTES)
                    .watchHome(WatchHomeRequest.newBuilder().setHomeId(home).build());
            watch.next(); // WATCHING
            d.exec(home, made.getDevicesMap().get("a"), "ping -c 2 " + made.getDevicesMap().get("b")
                    .getDeviceDescription().getIpv4Addr()); // IP frames on the home's LAN, for the file below
            List<Seen> seen = new ArrayList<>();
            long[] forming = {0};
            try {
                chromium.driver().get("http://127.0.0.1:" + d.httpPort() + "/view/#" + home);
                WebDriverWait wait = Chromium.waitFor(chromium.driver());
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#nodes tr.node"), ids.size()));
                seen.add(wait.until(x -> look(home, false)));

                d.stub.partitionHome(PartitionRequest.newBuilder().setHomeId(home).setName("p")
                        .addDeviceIds(ids.get("a")).build());
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("partitions"), "partition p"));
                seen.add(wait.until(x -> look(home, false)));

                d.stub.healHome(HealRequest.newBuilder().setHomeId(home).build());
                wait.until(ExpectedConditions.textToBe(By.id("partitions"), ""));
                seen.add(wait.until(x -> look(home, false)));

                if (thread) {
                    List<String> radios = List.of(ids.get("t1"), ids.get("t2"));
                    ThreadMesh.awaitStacks(d, home, radios, 60);
                    forming[0] = System.currentTimeMillis();
                    ThreadMesh.form(d, home, radios);
                    // Both the live view's table (asked every 3 s) and the role events (every 2 s)
                    // must have caught up: the moment is taken when both show a leader and a router.
                    wait.until(x -> roles(x).values().stream().sorted().toList().equals(List.of("leader", "router")));
                    awaitRoleEvents(watch, wait.until(x -> roles(x)));
                    seen.add(wait.until(x -> look(home, true)));
                }

                d.stub.powerOffDevice(PowerDeviceRequest.newBuilder().setHomeId(home).setDeviceId(ids.get("b"))
                        .setGraceSeconds(1).build());
                wait.until(ExpectedConditions.textToBe(By.cssSelector("#nodes tr.node[data-device='" + ids.get("b")
                        + "'] td.state"), "powered_off"));
                seen.add(wait.until(x -> look(home, thread)));
            } finally {
                d.stopHome(home);
            }

            chromium.driver().get("http://127.0.0.1:" + d.httpPort() + "/view/replay.html?home=" + home);
            WebDriverWait wait = Chromium.waitFor(chromium.driver());
            wait.until(x -> Boolean.TRUE.equals(((JavascriptExecutor) x).executeScript(
                    "return window.cirqueReplay && window.cirqueReplay.loaded()")));
            // The stopped home is listed among the kept recordings.
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#recordings li[data-home='" + home
                    + "']")));
            for (Seen s : seen) {
                ((JavascriptExecutor) chromium.driver()).executeScript("window.cirqueReplay.seek(arguments[0])", s.epochMs());
                String at = "at " + java.time.Instant.ofEpochMilli(s.epochMs());
                assertEquals(s.states(), states(chromium.driver(), "#nodes tr.node"), at);
                assertEquals(s.partitions(), chromium.driver().findElement(By.id("partitions")).getText(), at);
                if (!s.roles().isEmpty()) {
                    assertEquals(s.roles(), column(chromium.driver(), "#radios tr.radio", "td.role"), at);
                }
            }
            if (thread) {
                // While the network formed, some second shows Thread frames the medium delivered.
                boolean framesSeen = false;
                for (long t = forming[0]; t <= seen.get(seen.size() - 1).epochMs() && !framesSeen; t += 1000) {
                    ((JavascriptExecutor) chromium.driver()).executeScript("window.cirqueReplay.seek(arguments[0])", t);
                    framesSeen = chromium.driver().findElements(By.cssSelector("#frames tr.frames[data-medium='thread']")).stream()
                            .anyMatch(r -> !r.findElements(By.tagName("td")).get(3).getText().equals("0"));
                }
                assertTrue(framesSeen, "Thread frames per link while the network formed");
            }
            // The same recording, as tshark reads it: the home's LAN and its Thread medium in one
            // file, in time order.
            java.nio.file.Path pcapng = java.nio.file.Files.createTempFile("replay", ".pcapng");
            try {
                java.nio.file.Files.write(pcapng, RecordingTest.entries(RecordingTest.grpcRecording(d, home))
                        .get("recording.pcapng"));
                Process p = new ProcessBuilder("tshark", "-r", pcapng.toString(), "-T", "fields", "-e",
                        "frame.interface_name", "-e", "frame.time_epoch", "-e", "frame.protocols")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                List<String[]> frames = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        .lines().map(l -> l.split("\t")).toList();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "tshark read the recording");
                assertTrue(frames.stream().anyMatch(f -> f[0].equals("cirque-" + home) && f[2].contains("icmp")),
                        "the LAN's pings");
                assertEquals(thread, frames.stream().anyMatch(f -> f[0].equals("thread") && f[2].startsWith("wpan")),
                        "the Thread medium's frames, where it ran");
                for (int i = 1; i < frames.size(); i++) {
                    assertTrue(Double.parseDouble(frames.get(i)[1]) >= Double.parseDouble(frames.get(i - 1)[1]),
                            "frames in time order at " + i);
                }
            } finally {
                java.nio.file.Files.deleteIfExists(pcapng);
            }
            System.out.println("replay: " + seen.size() + " moments of the live view shown again by the replay"
                    + (thread ? ", Thread roles included" : ""));
        }
    }

    /** The live view now, noted with the time it was read (the wait reads again a table re-rendered meanwhile). */
    private static Seen look(String home, boolean withRoles) {
        Map<String, String> states = states(chromium.driver(), "#nodes tr.node");
        String partitions = chromium.driver().findElement(By.id("partitions")).getText();
        Map<String, String> roles = withRoles ? roles(chromium.driver()) : Map.of();
        return new Seen(System.currentTimeMillis(), states, partitions, roles);
    }

    private static Map<String, String> states(WebDriver b, String rows) {
        return column(b, rows, "td.state");
    }

    private static Map<String, String> roles(WebDriver b) {
        return column(b, "#thread-nodes tr.thread-node", "td.role");
    }

    /** Each row's {@code cell} text by the row's device. */
    private static Map<String, String> column(WebDriver b, String rows, String cell) {
        Map<String, String> out = new LinkedHashMap<>();
        for (WebElement row : b.findElements(By.cssSelector(rows))) {
            out.put(row.getDomAttribute("data-device"), row.findElement(By.cssSelector(cell)).getText());
        }
        return new TreeMap<>(out);
    }

    /** Reads the home's events until each node's last THREAD_ROLE_CHANGED says the role in {@code want}. */
    private static void awaitRoleEvents(Iterator<HomeEvent> watch, Map<String, String> want) {
        Map<String, String> last = new TreeMap<>();
        while (!last.equals(want)) {
            HomeEvent e = watch.next();
            if (e.getKind().equals("THREAD_ROLE_CHANGED")) {
                last.put(e.getDeviceId(), e.getDetailOrDefault("to", ""));
            }
        }
    }
}
