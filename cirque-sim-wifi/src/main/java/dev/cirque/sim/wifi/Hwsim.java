package dev.cirque.sim.wifi;

import dev.cirque.netlink.NetlinkCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated WiFi radios from the kernel's {@code mac80211_hwsim}, driven over generic
 * netlink: a radio per node is made on demand, its phy moved into the node's network
 * namespace (nl80211), and deleted when the node goes.
 *
 * <p>Every radio is made with hwsim's "destroy on close": the kernel deletes it when this
 * object's socket closes, which includes the daemon being killed. A daemon that dies
 * therefore leaves no radio behind, without any sweep.
 */
public final class Hwsim implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Hwsim.class);

    /** What to tell a user whose kernel lacks hwsim. */
    public static final String HOW_TO_GET_IT = "load it on the host with 'modprobe mac80211_hwsim radios=0'"
            + " (a stock Debian kernel ships it; a kernel without a wireless stack, as in many VMs and"
            + " containers, cannot: run the daemon on one that has it, e.g. scripts/vm/run-tests.sh's VM)";

    static final String FAMILY = "MAC80211_HWSIM";
    private static final int CMD_NEW_RADIO = 4;
    private static final int CMD_DEL_RADIO = 5;
    private static final int ATTR_RADIO_ID = 10;
    private static final int ATTR_DESTROY_RADIO_ON_CLOSE = 16;
    private static final int ATTR_RADIO_NAME = 17;
    private static final int ATTR_PERM_ADDR = 22;
    private static final int NL80211_CMD_SET_WIPHY_NETNS = 49;
    private static final int NL80211_ATTR_WIPHY = 1;
    private static final int NL80211_ATTR_PID = 82;

    private static final Path SYS_NET = Path.of("/sys/class/net");
    private static final Path SYS_PHY = Path.of("/sys/class/ieee80211");

    private final GenericNetlink netlink;
    private final int hwsimFamily;

    private Hwsim(GenericNetlink netlink, int hwsimFamily) {
        this.netlink = netlink;
        this.hwsimFamily = hwsimFamily;
    }

    /**
     * Opens the radio manager.
     *
     * @throws HwsimUnavailableException when the kernel has no hwsim family (module absent or
     *                                   not loaded) or netlink is refused; the message says how to fix it
     */
    public static Hwsim open() throws HwsimUnavailableException {
        GenericNetlink nl;
        try {
            nl = GenericNetlink.open();
        } catch (IOException e) {
            throw new HwsimUnavailableException("WiFi radios: " + e.getMessage());
        }
        try {
            Optional<Integer> family = nl.family(FAMILY);
            if (family.isEmpty()) {
                throw new HwsimUnavailableException("WiFi radios need the kernel's mac80211_hwsim, which is not loaded"
                        + (Files.isDirectory(SYS_PHY) ? "" : " (this kernel has no wireless stack at all)")
                        + ": " + HOW_TO_GET_IT);
            }
            return new Hwsim(nl, family.get());
        } catch (IOException | HwsimUnavailableException | RuntimeException e) {
            nl.close();
            if (e instanceof HwsimUnavailableException h) {
                throw h;
            }
            throw new HwsimUnavailableException("WiFi radios: " + e.getMessage());
        }
    }

    /**
     * Makes a radio with the given phy name (unique on the host) and a random permanent address
     * of our own (so the medium knows it by an address chosen before the radio sends anything),
     * and finds its interface. If anything after the kernel made it fails, the radio is deleted again.
     */
    public Radio create(String phyName) throws IOException {
        int id = -1;
        long mac = 0;
        for (int attempt = 1; id < 0; attempt++) {
            mac = Mac.randomLocal();
            try {
                id = netlink.request(hwsimFamily, CMD_NEW_RADIO, 1, List.of(
                        NetlinkCodec.Attribute.string(ATTR_RADIO_NAME, phyName),
                        NetlinkCodec.Attribute.flag(ATTR_DESTROY_RADIO_ON_CLOSE),
                        NetlinkCodec.Attribute.bytes(ATTR_PERM_ADDR, Mac.bytes(mac)))).code();
            } catch (NetlinkException e) {
                // EEXIST: the address is another radio's (48 random bits: a second try is enough).
                if (e.errno() != NetlinkException.EEXIST || attempt == 3) {
                    throw new IOException("hwsim refused a new radio " + phyName + ": " + e.getMessage(), e);
                }
            }
        }
        try {
            int phyIndex = Integer.parseInt(Files.readString(SYS_PHY.resolve(phyName).resolve("index")).strip());
            Radio radio = new Radio(id, phyName, phyIndex, netdevOf(phyName), mac);
            log.debug("hwsim radio {} made: {}", id, radio);
            return radio;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(id);
            throw new IOException("hwsim radio " + phyName + " has no usable phy or interface: " + e, e);
        }
    }

    /** Moves the radio's phy (and its interface) into the network namespace of {@code pid}. */
    public void moveTo(Radio radio, long pid) throws IOException {
        if (log.isDebugEnabled()) {
            log.debug("moving {} (phy index {}, {}) into the network namespace of pid {} ({}, {})", radio.phy(),
                    radio.phyIndex(), radio.netdev(), pid, procInfo(pid, "comm"), procLink(pid, "ns/net"));
        }
        int nl80211 = netlink.family("nl80211")
                .orElseThrow(() -> new IOException("the kernel has no nl80211 family (cfg80211 not loaded)"));
        try {
            netlink.request(nl80211, NL80211_CMD_SET_WIPHY_NETNS, 0, List.of(
                    NetlinkCodec.Attribute.u32(NL80211_ATTR_WIPHY, radio.phyIndex()),
                    NetlinkCodec.Attribute.u32(NL80211_ATTR_PID, pid)));
        } catch (NetlinkException e) {
            throw new IOException("cannot move " + radio.phy() + " into the namespace of pid " + pid + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Deletes a radio. hwsim deletes only radios in the caller's namespace; a radio whose
     * node just stopped comes back to ours once the kernel has dismantled that namespace,
     * so ENODEV is retried until {@code patience} runs out.
     */
    public void delete(Radio radio, Duration patience) throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        long pause = 20;
        while (true) {
            try {
                netlink.request(hwsimFamily, CMD_DEL_RADIO, 1, List.of(NetlinkCodec.Attribute.u32(ATTR_RADIO_ID, radio.id())));
                log.debug("hwsim radio {} ({}) deleted", radio.id(), radio.phy());
                return;
            } catch (NetlinkException e) {
                if (e.errno() != NetlinkException.ENODEV || System.nanoTime() > deadline) {
                    throw new IOException("cannot delete hwsim radio " + radio.id() + " (" + radio.phy() + "): "
                            + e.getMessage() + (e.errno() == NetlinkException.ENODEV
                            ? "; its phy is still in another network namespace" : ""), e);
                }
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while deleting hwsim radio " + radio.id());
            }
            pause = Math.min(pause * 2, 250);
        }
    }

    /** Whether a phy of this name exists in the daemon's namespace. */
    public static boolean phyVisible(String phyName) {
        return Files.isDirectory(SYS_PHY.resolve(phyName));
    }

    private void deleteQuietly(int id) {
        try {
            netlink.request(hwsimFamily, CMD_DEL_RADIO, 1, List.of(NetlinkCodec.Attribute.u32(ATTR_RADIO_ID, id)));
        } catch (IOException | NetlinkException e) {
            log.warn("could not delete hwsim radio {} after a failed set-up: {}", id, e.getMessage());
        }
    }

    private static String procInfo(long pid, String file) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), file)).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String procLink(long pid, String link) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), link)).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * The radio's interface in the daemon's namespace now: after a node's namespace is gone the
     * phy comes back with its interface renamed (wlan0 inside the node, the kernel's pick here).
     */
    public static String currentNetdev(Radio radio) throws IOException {
        return netdevOf(radio.phy());
    }

    /** The interface whose phy is {@code phyName} (hwsim makes one per radio). */
    private static String netdevOf(String phyName) throws IOException {
        try (Stream<Path> links = Files.list(SYS_NET)) {
            for (Path dev : (Iterable<Path>) links::iterator) {
                Path name = dev.resolve("phy80211").resolve("name");
                if (Files.exists(name) && Files.readString(name).strip().equals(phyName)) {
                    return dev.getFileName().toString();
                }
            }
        }
        throw new IOException("no interface belongs to phy " + phyName);
    }

    /** Closes the socket; the kernel then deletes every radio this manager still holds. */
    @Override
    public void close() {
        netlink.close();
    }
}
