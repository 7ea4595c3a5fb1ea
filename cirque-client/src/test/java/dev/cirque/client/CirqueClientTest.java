package dev.cirque.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ThreadCapability;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real daemon (its own process) and real containers. */
class CirqueClientTest {

    private static final String IMAGE = "generic_node_image";
    private static DaemonForTests daemon;
    private static CirqueClient cirque;

    @BeforeAll
    static void connect() {
        daemon = DaemonForTests.shared();
        cirque = CirqueClient.connect(daemon.address).open();
    }

    @AfterAll
    static void nothingLeft() {
        assertEquals(List.of(), cirque.homeIds(), "homes left by the tests");
        cirque.close();
    }

    @Test
    void aHomeRunsCommandsAndKeepsOutputApartFromErrors() {
        String id;
        try (Home home = cirque.newHome().device("a", IMAGE).device("b", IMAGE).device("c", IMAGE).create()) {
            id = home.id();
            assertEquals(List.of("a", "b", "c"), home.nodes().stream().map(Node::key).toList());
            assertTrue(cirque.homeIds().contains(id));
            CommandResult r = home.node("a").exec("sh -c 'echo out; echo err >&2; exit 3'");
            assertEquals(3, r.exitCode());
            assertEquals("out\n", r.stdout());
            assertEquals("err\n", r.stderr());
            home.node("a").exec("ping -c 1 -W 5 " + home.node("b").ipv4()).assertSucceeded();
            AssertionError failed = assertThrows(AssertionError.class, () -> home.node("c").exec("false").assertSucceeded());
            assertTrue(failed.getMessage().startsWith("'false' in c (" + home.node("c").name() + ") exited 1"),
                    failed.getMessage());
            java.util.NoSuchElementException missing = assertThrows(java.util.NoSuchElementException.class,
                    () -> cirque.home(id).node("nope"));
            assertTrue(missing.getMessage().contains("has no node 'nope'"), missing.getMessage());
        }
        assertFalse(cirque.homeIds().contains(id), "closing the home stopped it");
    }

    @Test
    void aTopologyFileIsReadAsCirquesCreateHomeReadsIt() {
        try (Home home = cirque.newHome().topologyResource("three-nodes.json").create()) {
            Node a = home.node("a");
            assertTrue(a.device().getDeviceSpecification().hasInteractiveCapability());
            a.exec("sh -c 'echo the-node-says-ready > /proc/1/fd/1'").assertSucceeded(); // into its log
            a.waitFor(Wait.forLogLine("says-re+ady$").within(Duration.ofSeconds(30)));
        }
        CirqueException notJson = assertThrows(CirqueException.class,
                () -> cirque.newHome().topologyJson("{not json").create());
        assertEquals(Status.Code.INVALID_ARGUMENT, notJson.code());
        assertTrue(notJson.getMessage().contains("topology_json is not JSON"), notJson.getMessage());
        CirqueException unknown = assertThrows(CirqueException.class, () -> cirque.newHome()
                .topologyJson("{\"x\": {\"type\": \"generic_node_image\", \"capability\": [\"Nope\"]}}").create());
        assertTrue(unknown.getMessage().contains("'x'") && unknown.getMessage().contains("Nope"), unknown.getMessage());
    }

    @Test
    void aWaitPastItsDeadlineSaysWhatItSawAndTheNodesLastLogLines() {
        try (Home home = cirque.newHome().topologyResource("three-nodes.json").create()) {
            Node a = home.node("a");
            a.exec("sh -c 'echo marker-of-this-test > /proc/1/fd/1'").assertSucceeded(); // into the node's log
            WaitTimeoutException e = assertThrows(WaitTimeoutException.class, () -> a.waitFor(
                    Wait.forCommand("test -e /never").within(Duration.ofMillis(800)).pollingEvery(Duration.ofMillis(100))));
            assertTrue(e.getMessage().contains("waited for 'test -e /never' to succeed; last seen: exit 1"), e.getMessage());
            assertTrue(e.getMessage().contains("marker-of-this-test"), e.getMessage());
            a.exec("touch /tmp/ready").assertSucceeded();
            a.waitFor(Wait.forCommand("test -e /tmp/ready").within(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aNodeIsPoweredOffAndOnWithoutLosingItsFiles() {
        try (Home home = cirque.newHome().device("a", IMAGE).create(); Home.Watch watch = home.watch()) {
            Node a = home.node("a");
            a.exec("touch /var/tmp/before").assertSucceeded();
            assertEquals("powered_off", a.powerOff(Duration.ofSeconds(1)).device().getDeviceDescription().getState());
            assertEquals("powered_off", a.state());
            CirqueException refused = assertThrows(CirqueException.class, () -> a.exec("true"));
            assertEquals(Status.Code.FAILED_PRECONDITION, refused.code());
            a.powerOn();
            assertEquals("running", a.state());
            a.exec("test -e /var/tmp/before").assertSucceeded();
            List<String> kinds = new java.util.ArrayList<>();
            while (kinds.size() < 2 && watch.hasNext()) {
                String kind = watch.next().getKind();
                if (kind.startsWith("NODE_")) {
                    kinds.add(kind);
                }
            }
            assertEquals(List.of("NODE_STOPPED", "NODE_STARTED"), kinds);
        }
    }

    @Test
    void anyMediumIsAskedByNameAndRefusesWhatItCannotDo() {
        assertTrue(cirque.media().containsAll(List.of("ip", "thread")), cirque.media().toString());
        try (Home home = cirque.newHome().device("a", IMAGE).create()) {
            String ip = home.medium("ip").describe();
            assertTrue(ip.contains("\"medium\":\"ip\"") && ip.contains("\"captures\":false")
                    && ip.contains("\"home_id\":\"" + home.id() + "\""), ip);
            CirqueException noCaptures = assertThrows(CirqueException.class, () -> home.medium("ip").startCapture());
            assertEquals(Status.Code.FAILED_PRECONDITION, noCaptures.code());
            assertTrue(noCaptures.getMessage().contains("the ip medium keeps no captures"), noCaptures.getMessage());
            CirqueException noRadio = assertThrows(CirqueException.class, () -> home.medium("thread").startCapture());
            assertEquals(Status.Code.FAILED_PRECONDITION, noRadio.code());
            assertTrue(noRadio.getMessage().contains("has no thread radio"), noRadio.getMessage());
            CirqueException none = assertThrows(CirqueException.class, () -> home.medium("thread").capture());
            assertEquals(Status.Code.NOT_FOUND, none.code());
            CirqueException unknown = assertThrows(CirqueException.class, () -> home.medium("nope").describe());
            assertEquals(Status.Code.FAILED_PRECONDITION, unknown.code());
            assertTrue(unknown.getMessage().contains("no nope medium"), unknown.getMessage());
        }
    }

    @Test
    void aHomesEventsAreWatchedUntilItStops() {
        Home home = cirque.newHome().device("a", IMAGE).create();
        try (Home.Watch watch = home.watch()) {
            home.node("a").exec("true").assertSucceeded();
            home.close();
            List<String> kinds = new java.util.ArrayList<>();
            watch.forEachRemaining(e -> kinds.add(e.getKind()));
            assertEquals(List.of("EXEC_STARTED", "EXEC_ENDED", "HOME_STOPPED"), kinds);
        }
    }

    @Test
    void linkConditionsAreSetLiveAndCleared() {
        try (Home home = cirque.newHome().device("a", IMAGE).device("b", IMAGE).create()) {
            Node a = home.node("a");
            Node b = home.node("b");
            String ping = "ping -c 3 -i 0.2 -W 5 " + b.ipv4();
            Link link = home.link(a, b).latency(Duration.ofMillis(100)).bothWays();
            link.apply();
            assertTrue(averageRtt(a.exec(ping).assertSucceeded().stdout()) >= 195, "100 ms each way");
            link.clear();
            assertTrue(averageRtt(a.exec(ping).assertSucceeded().stdout()) < 50, "cleared");
        }
    }

    @Test
    void aNodeIsAwaitedInItsThreadRole() {
        String bin = System.getenv("CIRQUE_OT_BIN_DIR");
        assumeTrue(bin != null && Files.isExecutable(Path.of(bin, "ot-rcp")),
                "CIRQUE_OT_BIN_DIR is not set to a directory with OpenThread's ot-rcp: real-radio test skipped");
        DeviceSpecification.Builder radio = DeviceSpecification.newBuilder().setDeviceType("thread_node")
                .setBaseImage("cirque/thread-node").setThreadCapability(ThreadCapability.newBuilder().setRcpMode(true));
        try (Home home = cirque.newHome().device("n1", radio).create()) {
            Node n1 = home.node("n1");
            n1.waitFor(Wait.forCommand("ot-ctl state").within(Duration.ofSeconds(30))); // its stack answers
            CirqueException notYet = assertThrows(WaitTimeoutException.class, () -> n1.waitFor(
                    Wait.forThreadRole("leader").within(Duration.ofMillis(600))));
            assertTrue(notYet.getMessage().contains("last seen: role disabled"), notYet.getMessage());
            for (String step : List.of("dataset init new", "dataset commit active", "ifconfig up", "thread start")) {
                n1.exec("ot-ctl " + step).assertSucceeded();
            }
            n1.waitFor(Wait.forThreadRole("leader").within(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aDaemonWithATokenRefusesAClientWithoutIt(@TempDir Path dir) throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret-of-this-test\n");
        DaemonForTests guarded = DaemonForTests.start("--token-file", token.toString());
        try {
            // Refused at once: opening holds the client's session, which needs the token too.
            CirqueException refused = assertThrows(CirqueException.class,
                    () -> CirqueClient.connect(guarded.address).open());
            assertEquals(Status.Code.UNAUTHENTICATED, refused.code());
            try (CirqueClient with = CirqueClient.connect(guarded.address).withTokenFile(token).open()) {
                assertEquals(List.of(), with.homeIds());
            }
        } finally {
            guarded.stop();
        }
    }

    private static double averageRtt(String pingOutput) {
        Matcher m = Pattern.compile("= [\\d.]+/([\\d.]+)/").matcher(pingOutput);
        assertTrue(m.find(), pingOutput);
        return Double.parseDouble(m.group(1));
    }
}
