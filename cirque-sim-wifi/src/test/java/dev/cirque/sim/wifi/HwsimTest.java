package dev.cirque.sim.wifi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.cirque.netlink.SocketCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
            // hwsim deletes a closed socket's radios from a work queue: close a second manager,
            // whose radio must go, and wait for that; by then the first close has had its turn.
            try (Hwsim marker = Hwsim.open()) {
                marker.create("cqmark0");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Hwsim.phyVisible("cqmark0") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertFalse(Hwsim.phyVisible("cqmark0"), "the marker radio outlived its manager");
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
