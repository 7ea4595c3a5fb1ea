package dev.cirque.sim.wifi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The netlink client against this machine's real kernel; radios where the kernel has hwsim. */
class HwsimTest {

    private static boolean hwsimLoaded() {
        return Files.isDirectory(Path.of("/sys/module/mac80211_hwsim"));
    }

    @Test
    void genericNetlinkResolvesFamiliesTheKernelHasAndOnlyThose() throws Exception {
        try (GenericNetlink nl = GenericNetlink.open()) {
            assertEquals(Optional.of(16), nl.family("nlctrl"), "the controller's own id is fixed at 16");
            assertEquals(Optional.empty(), nl.family("NO_SUCH_FAMILY"));
        }
    }

    @Test
    void withoutHwsimOpeningSaysHowToGetIt() {
        assumeFalse(hwsimLoaded(), "this kernel has hwsim");
        HwsimUnavailableException e = assertThrows(HwsimUnavailableException.class, Hwsim::open);
        assertTrue(e.getMessage().contains("modprobe mac80211_hwsim radios=0"), e.getMessage());
    }

    @Test
    @Tag("vm")
    void radiosAreMadeDeletedAndDieWithTheirManager() throws Exception {
        assertTrue(hwsimLoaded(), "needs mac80211_hwsim, which the test VM loads");
        try (Hwsim hwsim = Hwsim.open()) {
            Radio r = hwsim.create("cqtest0");
            assertTrue(Hwsim.phyVisible("cqtest0"));
            assertTrue(Files.exists(Path.of("/sys/class/net", r.netdev(), "phy80211")), r.toString());
            // Another netlink socket of this process (glibc's getifaddrs opens one each time
            // interfaces are listed) comes and goes: the radio must outlive it.
            int other = SocketCalls.INSTANCE.socket(SocketCalls.AF_NETLINK, SocketCalls.SOCK_RAW, 0);
            byte[] autobind = new byte[12];
            autobind[0] = (byte) SocketCalls.AF_NETLINK;
            assertEquals(0, SocketCalls.INSTANCE.bind(other, autobind, autobind.length));
            SocketCalls.INSTANCE.close(other);
            Thread.sleep(500); // hwsim deletes from a work queue
            assertTrue(Hwsim.phyVisible("cqtest0"), "a NETLINK_ROUTE socket closing took our radio with it");
            hwsim.delete(r, Duration.ofSeconds(1));
            assertFalse(Hwsim.phyVisible("cqtest0"));
            hwsim.create("cqtest1");
        }
        // Closing the manager's socket made the kernel delete the radio it still held.
        for (int i = 0; i < 50 && Hwsim.phyVisible("cqtest1"); i++) {
            Thread.sleep(100);
        }
        assertFalse(Hwsim.phyVisible("cqtest1"), "destroy-on-close");
    }
}
