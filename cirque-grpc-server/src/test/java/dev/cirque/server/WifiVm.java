package dev.cirque.server;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.sim.wifi.Hwsim;
import java.util.List;

/** What the WiFi tests in the VM do in nodes: joins, shell scripts, radios' absence. */
final class WifiVm {

    static final String CONF = "/etc/wpa_supplicant/wpa_supplicant.conf";

    private WifiVm() {}

    /** Joins a network the usual way; answers the wlan0 address, or the state when it must fail. */
    static String join(TestDaemon daemon, String home, CirqueDevice station, String ssid, String psk,
            boolean expectSuccess) {
        String script = "wpa_passphrase \"$1\" \"$2\" >> " + CONF + " && wpa_supplicant -B -i wlan0 -c " + CONF
                + " -f /tmp/wpa.log && for i in $(seq 1 " + (expectSuccess ? 40 : 15) + "); do"
                + " wpa_cli -i wlan0 status | grep -q wpa_state=COMPLETED && break; sleep 1; done;"
                + " if ! wpa_cli -i wlan0 status | grep -q wpa_state=COMPLETED; then echo NOT ASSOCIATED;"
                + " wpa_cli -i wlan0 status; tail -5 /tmp/wpa.log; exit " + (expectSuccess ? 1 : 0) + "; fi;"
                + " timeout 90 dhclient -1 wlan0 >/tmp/dhclient.log 2>&1 || { cat /tmp/dhclient.log; exit 1; };"
                + " ip -4 -o addr show dev wlan0 | awk '{print $4}' | cut -d/ -f1";
        return sh(daemon, home, station, script, ssid, psk).strip();
    }

    /** Runs {@code sh -c script sh args...} in the node; a non-zero exit fails the test with the output. */
    static String sh(TestDaemon daemon, String home, CirqueDevice node, String script, String... args) {
        StringBuilder command = new StringBuilder("sh -c ").append(quote(script)).append(" sh");
        for (String a : args) {
            command.append(' ').append(quote(a));
        }
        return daemon.exec(home, node, command.toString());
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * A radio that was not deleted comes back to the daemon's namespace once its node's
     * namespace is gone; watching a while that it does not tells deleted from "still away".
     */
    static boolean staysAbsent(String phy) throws InterruptedException {
        for (int i = 0; i < 25; i++) {
            if (Hwsim.phyVisible(phy)) {
                return false;
            }
            Thread.sleep(200); // between looks at sysfs
        }
        return true;
    }

    /** Interfaces of cirque's radios (phys named cq...) in the daemon's namespace. */
    static List<String> ourInterfaces() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "cat /sys/class/net/*/phy80211/name 2>/dev/null | grep '^cq' || true")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
}
