package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.sim.wifi.Hwsim;
import dev.cirque.sim.wifi.HwsimMedium;
import dev.cirque.sim.wifi.HwsimUnavailableException;
import dev.cirque.sim.wifi.Radio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's one hwsim radio manager and its one WiFi medium, shared by the WiFi station
 * and access point capabilities: radios are a host-wide resource, and the manager's socket
 * is what the kernel ties their lifetime to (closing it, or the daemon dying, deletes them
 * all); every radio is on the medium, which keeps each home's air apart.
 */
final class WifiRadios {

    /** How long a stopped node's radio may take to come back from its namespace before deletion. */
    private static final Duration RETURN_PATIENCE = Duration.ofSeconds(30);
    /** Where the kernel module shows itself when loaded. */
    private static final Path HWSIM_MODULE = Path.of("/sys/module/mac80211_hwsim");

    private static Hwsim shared;
    private static final HwsimMedium MEDIUM = new HwsimMedium(
            Path.of(System.getProperty("java.io.tmpdir"), "cirque-wifi", "captures"));

    /** The medium, for the link API: only where this kernel has hwsim (elsewhere there is no WiFi to shape). */
    static List<LinkMedium> media() {
        return Files.isDirectory(HWSIM_MODULE) ? List.of(MEDIUM) : List.of();
    }

    static HwsimMedium medium() {
        return MEDIUM;
    }

    private WifiRadios() {}

    /** The manager, opened on first use; FAILED_PRECONDITION (with the fix) when this kernel has no hwsim. */
    static synchronized Hwsim get(String capability) {
        if (shared == null) {
            try {
                shared = Hwsim.open();
            } catch (HwsimUnavailableException e) {
                throw CirqueException.precondition(capability + " capability: " + e.getMessage());
            }
        }
        return shared;
    }

    /**
     * Makes the node's radio and registers its deletion, which runs after the container is
     * gone (the phy then returns from the node's namespace to the daemon's).
     */
    static Radio create(Hwsim hwsim, PrepareContext node) throws IOException {
        // A phy name of our own (unique: from the node id), so that logs and sysfs say whose it is.
        String phy = "cq" + node.nodeId().replace("-", "").substring(0, 12);
        Radio radio = hwsim.create(phy);
        node.onTeardown("delete WiFi radio " + radio.phy() + " (hwsim " + radio.id() + ")",
                () -> hwsim.delete(radio, RETURN_PATIENCE));
        try {
            MEDIUM.join(node.homeId(), node.nodeId(), radio);
        } catch (IOException e) {
            throw CirqueException.precondition("WiFi: " + e.getMessage());
        }
        node.onTeardown("take WiFi radio " + radio.phy() + " off the air", () -> MEDIUM.leave(radio));
        return radio;
    }

    /**
     * Moves the radio into the running node and, in one exec (each costs a process start in
     * the node), renames its interface {@code wlan0}, brings it up and runs {@code more}.
     */
    static void install(Hwsim hwsim, Radio radio, NodeContext node, String more, List<String> args) throws IOException {
        String netdev = Hwsim.currentNetdev(radio);
        hwsim.moveTo(radio, node.pid());
        // On failure, the node's interfaces go with the error: what a user needs to see first.
        String script = "set -e\ntrap 'rc=$?; [ $rc = 0 ] || { echo \"interfaces in the node:\"; ip -br link; }' EXIT\n"
                + "ip link set dev \"$1\" name wlan0\nip link set wlan0 up\nshift\n" + more;
        // Its interface's name now: a radio back from a powered-off node's namespace was renamed.
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh", netdev));
        argv.addAll(args);
        ExecResult r = node.exec(argv, Duration.ofSeconds(60));
        if (r.exitCode() != 0) {
            throw new IOException("setting up wlan0 in the node failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
    }
}
