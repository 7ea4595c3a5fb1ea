package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.engine.NodeHost;
import dev.cirque.core.host.HostAllocator;
import dev.cirque.core.host.HostCommand;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Xvnc}: an Xvnc server (TigerVNC) on the host for the node's GUI. Its X socket is
 * bind-mounted into the node as display {@code docker_display_id} and {@code DISPLAY} set,
 * so X clients in the node draw on it; a VNC viewer on the host port 5900 + display sees
 * it. {@code display_id} 0 picks a free display. VNC listens on loopback only, without a
 * password, unless the daemon was started with {@code --xvnc-expose} and the client did not
 * ask for {@code localhost}: then on every interface, with a generated password reported in
 * the description.
 * The server is stopped when the node stops.
 */
public final class XvncCapability implements CapabilityProvider {

    public static final String NAME = "Xvnc";
    /** The daemon's setting that lets VNC listen beyond loopback (with a password). */
    public static final String EXPOSE = "xvnc.expose";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger log = LoggerFactory.getLogger(XvncCapability.class);
    private static final Path X11_DIR = Path.of("/tmp/.X11-unix");
    /** The host-wide pool of X displays, shared by every daemon on the host. */
    static final String DISPLAYS = "x-display";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("xvnc_capability").json(JsonKey.bool("xvnc_localhost", "localhost"),
                JsonKey.integer("display_id", "display_id"), JsonKey.integer("docker_display_id", "docker_display_id"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        long display = request.integer("display_id", 0);
        long inNode = request.integer("docker_display_id", 0);
        if (display < 0 || display > 999 || inNode < 0 || inNode > 999) {
            throw CirqueException.invalid("Xvnc display_id and docker_display_id must be 0..999");
        }
        Path xvnc = host.setting("xvnc.binary").map(Path::of).orElseGet(() -> HostCommand.findOnPath("Xvnc").orElse(null));
        if (xvnc == null || !Files.isExecutable(xvnc)) {
            throw CirqueException.precondition("Xvnc capability: no Xvnc server on this host; install it with"
                    + " 'apt-get install tigervnc-standalone-server'");
        }
        // Loopback unless the operator exposes VNC (--xvnc-expose) and the client did not ask for loopback.
        boolean exposed = !request.bool("localhost", false) && host.setting(EXPOSE).map("true"::equals).orElse(false);
        Path vncpasswd = null;
        if (exposed) {
            vncpasswd = HostCommand.findOnPath("vncpasswd").orElseThrow(() -> CirqueException.precondition("Xvnc"
                    + " capability: an exposed VNC server needs a password, made with vncpasswd; install it with"
                    + " 'apt-get install tigervnc-tools'"));
        }
        return new Server(xvnc, (int) display, (int) inNode, exposed, vncpasswd, host.ledger());
    }

    /** Eight characters (all VNC authentication uses), from a look-alike-free alphabet. */
    private static String password() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        StringBuilder s = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static final class Server extends NamedCapability {
        private final Path binary;
        private final int askedDisplay;
        private final int displayInNode;
        private final boolean exposed;
        private final Path vncpasswd;
        private final HostLedger ledger;
        private volatile String password = "";
        private volatile int display = -1;
        private volatile long pid = -1;
        private volatile NodeHost host;

        Server(Path binary, int askedDisplay, int displayInNode, boolean exposed, Path vncpasswd, HostLedger ledger) {
            super(NAME);
            this.ledger = ledger;
            this.binary = binary;
            this.askedDisplay = askedDisplay;
            this.displayInNode = displayInNode;
            this.exposed = exposed;
            this.vncpasswd = vncpasswd;
        }

        @Override
        public void prepare(PrepareContext node) throws Exception {
            host = node.host();
            HostAllocator.Lease lease = reserve(ledger.allocator(), askedDisplay, node);
            int d = lease.number();
            node.onTeardown("release X display :" + d, lease::close);
            List<String> argv = new ArrayList<>(List.of(binary.toString(), ":" + d, "-geometry", "1280x800",
                    "-depth", "24", "-ac", "-nolisten", "tcp", "-rfbport", Integer.toString(5900 + d)));
            if (exposed) {
                Path auth = passwordFile(d);
                node.onTeardown("remove the VNC password file of :" + d, () -> Files.deleteIfExists(auth));
                argv.addAll(List.of("-SecurityTypes", "VncAuth", "-rfbauth", auth.toString()));
                log.warn("node {}: VNC on port {} of every interface (--xvnc-expose), with a password", node.nodeId(),
                        5900 + d);
            } else {
                // On loopback no password is asked: only this host's users reach it.
                argv.addAll(List.of("-SecurityTypes", "None", "-localhost"));
            }
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            // In the ledger first, so that a daemon killed from here on leaves it findable.
            ledger.record("xvnc", p.toHandle(), null);
            node.onTeardown("forget Xvnc pid " + p.pid(), () -> ledger.forget("xvnc", p.pid()));
            node.onTeardown("stop Xvnc :" + d + " (pid " + p.pid() + ")", () -> stop(p, d));
            pumpLog(p, node.homeId(), node.nodeId(), d);
            awaitSocket(p, d);
            display = d;
            pid = p.pid();
            log.info("node {}: Xvnc :{} up (pid {}, VNC port {})", node.nodeId(), d, p.pid(), 5900 + d);
        }

        /** A fresh password, obfuscated by vncpasswd into a file only root reads. */
        private Path passwordFile(int d) throws IOException, InterruptedException {
            String pw = password();
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "cirque-xvnc"));
            Path file = dir.resolve("passwd-" + d);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Process p = new ProcessBuilder(vncpasswd.toString(), "-f").redirectOutput(file.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = p.getOutputStream()) {
                in.write((pw + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || Files.size(file) == 0) {
                p.destroyForcibly();
                throw CirqueException.precondition("vncpasswd could not make the VNC password file");
            }
            password = pw;
            return file;
        }

        @Override
        public void contribute(ContainerPlan plan) {
            host.shareHostFile(plan, socket(display), "/tmp/.X11-unix/X" + displayInNode);
            plan.env("DISPLAY", ":" + displayInNode);
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("display_id", display);
            d.put("docker_display_id", displayInNode);
            d.put("vnc_port", 5900 + display);
            d.put("localhost", !exposed);
            if (exposed) {
                d.put("vnc_password", password);
            }
            d.put("pid", pid);
            return d;
        }

        private static Path socket(int d) {
            return X11_DIR.resolve("X" + d);
        }

        /** The asked display, or the first free one from :1: held by no daemon, with no X server or lock. */
        private static HostAllocator.Lease reserve(HostAllocator allocator, int asked, PrepareContext node) {
            String holder = "Xvnc of home " + node.homeId() + " node " + node.nodeId();
            if (asked > 0) {
                return allocator.takeExactly(DISPLAYS, asked, d -> !inUse(d), holder).orElseThrow(() ->
                        CirqueException.precondition("Xvnc display :" + asked + " is already in use"));
            }
            try {
                return allocator.take(DISPLAYS, 1, 999, d -> !inUse(d), holder);
            } catch (CirqueException e) {
                throw new CirqueException(CirqueException.Kind.RESOURCE_EXHAUSTED, "no free X display left");
            }
        }

        private static boolean inUse(int d) {
            return Files.exists(socket(d)) || Files.exists(Path.of("/tmp/.X" + d + "-lock"));
        }

        private static void awaitSocket(Process p, int d) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!Files.exists(socket(d))) {
                if (!p.isAlive()) {
                    throw CirqueException.precondition("Xvnc :" + d + " exited with " + p.exitValue()
                            + " before it was ready; see the daemon's log for what it said");
                }
                if (System.nanoTime() > deadline) {
                    throw CirqueException.precondition("Xvnc :" + d + " made no X socket within 15 s");
                }
                Thread.sleep(20);
            }
        }

        private static void stop(Process p, int d) throws InterruptedException, IOException {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            // A server killed hard leaves these behind, and they would mark the display as taken.
            Files.deleteIfExists(socket(d));
            Files.deleteIfExists(Path.of("/tmp/.X" + d + "-lock"));
        }

        private static void pumpLog(Process p, String home, String node, int d) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        log.debug("[home {} node {} Xvnc :{}] {}", home, node, d, line);
                    }
                } catch (IOException e) {
                    // the server ended
                }
            }, "xvnc-" + d + "-log");
            t.setDaemon(true);
            t.start();
        }
    }
}
