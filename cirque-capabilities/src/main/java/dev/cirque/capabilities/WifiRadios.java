package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.sim.wifi.Hwsim;
import dev.cirque.sim.wifi.HwsimUnavailableException;
import dev.cirque.sim.wifi.Radio;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's one hwsim radio manager, shared by the WiFi station and access point
 * capabilities: radios are a host-wide resource, and the manager's socket is what the
 * kernel ties their lifetime to (closing it, or the daemon dying, deletes them all).
 */
final class WifiRadios {

    /** How long a stopped node's radio may take to come back from its namespace before deletion. */
    private static final Duration RETURN_PATIENCE = Duration.ofSeconds(30);

    private static Hwsim shared;

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
        return radio;
    }

    /**
     * Moves the radio into the running node and, in one exec (each costs a process start in
     * the node), renames its interface {@code wlan0}, brings it up and runs {@code more}.
     */
    static void install(Hwsim hwsim, Radio radio, NodeContext node, String more, List<String> args) throws IOException {
        hwsim.moveTo(radio, node.pid());
        // On failure, the node's interfaces go with the error: what a user needs to see first.
        String script = "set -e\ntrap 'rc=$?; [ $rc = 0 ] || { echo \"interfaces in the node:\"; ip -br link; }' EXIT\n"
                + "ip link set dev \"$1\" name wlan0\nip link set wlan0 up\nshift\n" + more;
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh", radio.netdev()));
        argv.addAll(args);
        ExecResult r = node.exec(argv, Duration.ofSeconds(60));
        if (r.exitCode() != 0) {
            throw new IOException("setting up wlan0 in the node failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
    }
}
