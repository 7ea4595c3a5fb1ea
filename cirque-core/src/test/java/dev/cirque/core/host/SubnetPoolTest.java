package dev.cirque.core.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool's arithmetic and its reading of the routing table (a routing table in a file: pure logic). */
class SubnetPoolTest {

    @TempDir
    Path dir;

    /** /proc/net/route's form: little-endian hex destination (field 2) and mask (field 8). */
    private Path routes(String... destinationAndMask) throws IOException {
        StringBuilder b = new StringBuilder("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n");
        b.append("eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"); // the default route
        for (String dm : destinationAndMask) {
            String[] p = dm.split(" ");
            b.append("br0\t").append(p[0]).append("\t00000000\t0001\t0\t0\t0\t").append(p[1]).append("\t0\t0\t0\n");
        }
        Path f = dir.resolve("route");
        Files.writeString(f, b);
        return f;
    }

    @Test
    void aRangeGivesOneSlash24AndOneSlash64PerIndex() throws IOException {
        SubnetPool pool = new SubnetPool("10.192.0.0/12", "fd63:6972:7175::/48", new HostAllocator(dir.resolve("l")),
                routes());
        assertEquals(4096, pool.size());
        assertEquals("10.192.0.0/24", pool.ipv4(0));
        assertEquals("10.207.255.0/24", pool.ipv4(4095));
        assertEquals("fd63:6972:7175:fff::/64", pool.ipv6(4095));
        try (SubnetPool.Subnet a = pool.take("a"); SubnetPool.Subnet b = pool.take("b")) {
            assertEquals(List.of("10.192.0.0/24", "10.192.1.0/24"), List.of(a.ipv4(), b.ipv4()));
        }
        assertEquals("10.192.0.0/24", pool.take("again").ipv4(), "given back, taken again");
    }

    @Test
    void slash24sThatHostRoutesCoverArePassedOver() throws IOException {
        // 10.192.0.0/24 and 10.192.1.0/25 routed (say, a VPN and an older network).
        Path table = routes("0000C00A 00FFFFFF", "0001C00A 80FFFFFF", "000011AC 0000FFFF");
        SubnetPool pool = new SubnetPool("10.192.0.0/12", "fd63:6972:7175::/48", new HostAllocator(dir.resolve("l")),
                table);
        assertEquals(List.of("10.192.0.0/24", "10.192.1.0/25"), pool.routesInRange(), "172.17/16 is outside");
        assertEquals("10.192.2.0/24", pool.take("x").ipv4());
    }

    @Test
    void badRangesAreRefused() {
        HostAllocator leases = new HostAllocator(dir.resolve("l"));
        for (String bad : List.of("10.0.0.0/25", "10.0.0.0", "fd00::/48", "10.0.0.0/abc", "300.1.1.1/16", "10.0.0.0/7")) {
            assertThrows(IllegalArgumentException.class, () -> new SubnetPool(bad, SubnetPool.DEFAULT_IPV6, leases), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new SubnetPool(SubnetPool.DEFAULT_IPV4, "fd00::/64", leases));
    }
}
