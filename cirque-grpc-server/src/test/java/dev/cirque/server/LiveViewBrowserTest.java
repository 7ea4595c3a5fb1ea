package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.home.HomeService;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.GetLinkConditionsRequest;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.PowerDeviceRequest;
import dev.cirque.server.http.HttpLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live view in a real browser (Debian's chromium, headless, driven by Selenium through
 * chromedriver) against a real daemon and containers. Skipped, saying so, where chromium or
 * chromedriver is not installed (scripts/setup-host.sh installs both).
 */
class LiveViewBrowserTest {


    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    @RegisterExtension
    static final Chromium chromium = new Chromium();

    @Test
    void aHomeMadeThroughTheApiAppearsItsNodesChangeAndTheViewSetsLinksAndRunsCommands() {
        chromium.driver().get("http://127.0.0.1:" + daemon.httpPort() + "/view/");
        WebDriverWait wait = waitForTheView();
        wait.until(ExpectedConditions.textToBe(By.id("status"), "live"));
        assertTrue(!chromium.driver().findElement(By.id("token-form")).isDisplayed(), "no token asked where none is needed");
        ((JavascriptExecutor) chromium.driver()).executeScript("window.sameDocument = 'still here';");

        CreateCirqueHomeWithDevicesResponse made = daemon.stub.createCirqueHomeWithDevices(
                CreateCirqueHomeWithDevicesRequest.newBuilder()
                        .putDevices("a", DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build())
                        .putDevices("b", DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE).build())
                        .build());
        String home = made.getHomeId();
        CirqueDevice a = made.getDevicesOrThrow("a");
        try {
            // The home appears without a reload, from the event stream.
            By homeEntry = By.cssSelector("li.home[data-home='" + home + "']");
            click(wait, homeEntry);
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#nodes tr.node"), 2));
            By stateOfA = By.cssSelector("#nodes tr.node[data-device='" + a.getDeviceId() + "'] td.state");
            wait.until(ExpectedConditions.textToBe(stateOfA, "running"));

            // A node's state changed by the API shows; the view's own button powers it on again.
            daemon.stub.powerOffDevice(PowerDeviceRequest.newBuilder().setHomeId(home).setDeviceId(a.getDeviceId())
                    .setGraceSeconds(1).build());
            wait.until(ExpectedConditions.textToBe(stateOfA, "powered_off"));
            click(wait, By.cssSelector("button.power[data-device='" + a.getDeviceId() + "']"));
            wait.until(ExpectedConditions.textToBe(stateOfA, "running"));
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#events li[data-kind='NODE_STARTED']")));

            // A link condition set in the view is the daemon's, and the view shows it back.
            select(wait, By.id("link-from"), a.getDeviceId());
            WebElement latency = chromium.driver().findElement(By.id("link-latency"));
            latency.clear();
            latency.sendKeys("120");
            chromium.driver().findElement(By.id("link-set")).click();
            wait.until(ExpectedConditions.textToBe(By.cssSelector("#links tr.link[data-from='" + a.getDeviceId()
                    + "'] td.latency"), "120"));
            LinkState links = daemon.stub.getLinkConditions(GetLinkConditionsRequest.newBuilder().setHomeId(home)
                    .build());
            assertEquals(120, links.getEgressOrThrow(a.getDeviceId()).getLatencyMs(), links.toString());
            assertEquals("", chromium.driver().findElement(By.id("link-error")).getText());

            // A command run from the view, in the node.
            select(wait, By.id("cmd-device"), a.getDeviceId());
            chromium.driver().findElement(By.id("cmd")).sendKeys("sh -c 'echo hi-from-the-view; hostname'");
            chromium.driver().findElement(By.id("run")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("cmd-output"), "[exit 0]"));
            String output = chromium.driver().findElement(By.id("cmd-output")).getText();
            assertTrue(output.contains("hi-from-the-view"), output);

            assertEquals("still here", ((JavascriptExecutor) chromium.driver()).executeScript("return window.sameDocument;"),
                    "all of it without a reload");
        } finally {
            daemon.stopHome(home);
        }
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("li.home[data-home='" + home + "']")));
        assertEquals(List.of(), daemon.leftovers(home));
    }

    @Test
    void aThreadMeshShowsItsRolesAndLinks() throws Exception {
        String bin = ThreadMesh.requireOpenThread();
        try (TestDaemon thread = ThreadMesh.daemon(bin)) {
            String[] id = new String[1];
            java.util.Map<String, String> devices = ThreadMesh.home(thread, 3, id);
            String home = id[0];
            try {
                List<String> all = List.copyOf(devices.values());
                ThreadMesh.awaitStacks(thread, home, all, 60);
                ThreadMesh.form(thread, home, all);
                ThreadMesh.awaitRoles(thread, home, all, r -> List.of("leader", "router", "child").contains(r), 60);
                chromium.driver().get("http://127.0.0.1:" + thread.httpPort() + "/view/#" + home);
                WebDriverWait wait = waitForTheView();
                wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#thread-nodes tr.thread-node"), 3));
                By roles = By.cssSelector("#thread-nodes tr.thread-node td.role");
                wait.until(d -> d.findElements(roles).stream().map(WebElement::getText).filter(r -> r.equals("leader"))
                        .count() == 1);
                assertEquals(List.of("router", "router", "router"), chromium.driver().findElements(By.cssSelector(
                        "#thread-nodes tr.thread-node td.device-mode")).stream().map(WebElement::getText).toList(),
                        "each node's device mode, OpenThread's default");
                // Each node's neighbours are drawn as lines between them (3 nodes formed: 2 links at least).
                wait.until(d -> d.findElements(By.cssSelector("#thread-graph line")).size() >= 2);
                assertEquals(3, chromium.driver().findElements(By.cssSelector("#thread-graph circle")).size());
                // Thread links can be set too.
                wait.until(d -> new Select(d.findElement(By.id("link-medium"))).getOptions().stream()
                        .map(WebElement::getText).toList().equals(List.of("ip", "thread")));
            } finally {
                thread.stopHome(home);
            }
        }
    }

    private static WebDriverWait waitForTheView() {
        return Chromium.waitFor(chromium.driver());
    }

    /** Clicks what {@code where} finds, finding it again if the view re-rendered it in between. */
    @Test
    void aNodeDraggedAcrossAWallIsPlacedThereAndItsLinkWeakens() throws Exception {
        CreateCirqueHomeWithDevicesResponse made = daemon.stub.createCirqueHomeWithDevices(
                CreateCirqueHomeWithDevicesRequest.newBuilder()
                        .putDevices("a", placed(0, 0)).putDevices("b", placed(4, 0)).build());
        String home = made.getHomeId();
        String a = made.getDevicesOrThrow("a").getDeviceId();
        String b = made.getDevicesOrThrow("b").getDeviceId();
        try {
            // A 28 dB wall at x = 6: b, 4 m from a, hears it well; past the wall, 10 m away, badly.
            daemon.stub.setFloorPlan(dev.cirque.proto.SetFloorPlanRequest.newBuilder().setHomeId(home)
                    .addWalls(dev.cirque.proto.Wall.newBuilder().setX1(6).setY1(-5).setX2(6).setY2(5)
                            .setAttenuationDb(28)).build());
            chromium.driver().get("http://127.0.0.1:" + daemon.httpPort() + "/view/#" + home);
            WebDriverWait wait = waitForTheView();
            By link = By.cssSelector("#plan line.plan-link[data-medium='thread']");
            wait.until(ExpectedConditions.attributeContains(link, "class", "good"));
            assertEquals(1, chromium.driver().findElements(By.cssSelector("#plan line.wall")).size());

            // Dragged 3 m further east, across the wall.
            WebElement node = chromium.driver().findElement(By.cssSelector("#plan circle.plan-node[data-device='" + b
                    + "']"));
            WebElement wall = chromium.driver().findElement(By.cssSelector("#plan line.wall"));
            double metre = (Double.parseDouble(wall.getAttribute("x1")) - Double.parseDouble(node.getAttribute("cx")))
                    / 2; // b is 2 m west of the wall
            double rendered = node.getRect().getWidth() / 18.0; // the circle's 18 SVG units on the page
            new org.openqa.selenium.interactions.Actions(chromium.driver()).dragAndDropBy(node,
                    (int) Math.round(3 * metre * rendered), 0).perform();
            wait.until(ExpectedConditions.attributeContains(link, "class", "weak"));
            dev.cirque.proto.SpaceState space = daemon.stub.getSpace(dev.cirque.proto.GetSpaceRequest.newBuilder()
                    .setHomeId(home).build());
            double x = space.getPositionsOrThrow(b).getX();
            assertTrue(x > 6 && x < 10, "b is where it was dropped, past the wall: " + space.getPositionsOrThrow(b));
            assertTrue(space.getLinksList().stream().anyMatch(l -> l.getFromDeviceId().equals(a)
                    && l.getToDeviceId().equals(b) && l.getWhy().contains("1 wall (28 dB)") && l.getLossPercent() > 0),
                    space.toString());
            assertEquals("", chromium.driver().findElement(By.id("plan-error")).getText());
        } finally {
            daemon.stopHome(home);
        }
    }

    private static DeviceSpecification placed(double x, double y) {
        return DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                .setPosition(dev.cirque.proto.Position.newBuilder().setX(x).setY(y)).build();
    }

    private static void click(WebDriverWait wait, By where) {
        wait.until(d -> {
            d.findElement(where).click();
            return true;
        });
    }

    /** Chooses {@code value} in the select {@code where} finds, again if its options were re-rendered. */
    private static void select(WebDriverWait wait, By where, String value) {
        wait.until(d -> {
            new Select(d.findElement(where)).selectByValue(value);
            return value.equals(d.findElement(where).getDomProperty("value"));
        });
    }

    @Test
    void aDaemonWithATokenServesThePageAndTheViewAsksForTheToken() throws Exception {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        DaemonServer server = new DaemonServer(new HomeService(daemon.engine, CapabilityRegistry.fromClassPath()),
                loopback, loopback, new Security("view-token", null, null, null), HttpLimits.defaults()).start();
        try {
            chromium.driver().get("http://127.0.0.1:" + server.httpPort() + "/view/");
            WebDriverWait wait = waitForTheView();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-form")));
            assertEquals("needs a token", chromium.driver().findElement(By.id("status")).getText());
            chromium.driver().findElement(By.id("token")).sendKeys("view-token");
            chromium.driver().findElement(By.cssSelector("#token-form button")).click();
            wait.until(ExpectedConditions.textToBe(By.id("status"), "live"));
        } finally {
            ((JavascriptExecutor) chromium.driver()).executeScript("sessionStorage.clear();");
            server.stop();
        }
    }
}
