package dev.cirque.core.host;

import dev.cirque.core.CirqueException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The subnets of homes' networks, from the daemon's own range ({@code --home-subnets})
 * rather than Docker's default address pools (about 30 networks). Each network gets an
 * IPv4 /24 and, at the same index, an IPv6 /64 of a unique-local /48; the index is a
 * {@link HostAllocator} lease (pool {@value #POOL}), so daemons on one host never clash, and
 * a /24 that any host route already covers (another network, a VPN) is passed over.
 */
public final class SubnetPool {

    public static final String POOL = "home-subnet";
    /** The host settings naming the ranges ({@code --home-subnets}, {@code --home-subnets6}). */
    public static final String SETTING = "home.subnets";
    public static final String SETTING6 = "home.subnets6";
    /** 4096 /24s in a block Docker's own pools (172.17/16.., 192.168/16) do not use. */
    public static final String DEFAULT_IPV4 = "10.192.0.0/12";
    /** fd63:6972:7175 spells "ciru": 65536 /64s. */
    public static final String DEFAULT_IPV6 = "fd63:6972:7175::/48";

    /** One network's addresses; closing gives them back. */
    public record Subnet(String ipv4, String ipv6, HostAllocator.Lease lease) implements AutoCloseable {
        @Override
        public void close() {
            lease.close();
        }
    }

    private final int base;
    private final int prefix;
    private final int count;
    private final String ipv6Prefix;
    private final HostAllocator allocator;
    private final Path routes;

    /** @throws IllegalArgumentException for a range that is not an IPv4 CIDR of /24 or wider, or a v6 not /48 */
    public SubnetPool(String ipv4Cidr, String ipv6Cidr, HostAllocator allocator) {
        this(ipv4Cidr, ipv6Cidr, allocator, Path.of("/proc/net/route"));
    }

    SubnetPool(String ipv4Cidr, String ipv6Cidr, HostAllocator allocator, Path routes) {
        int[] v4 = parseV4(ipv4Cidr);
        if (v4[1] > 24 || v4[1] < 8) {
            throw new IllegalArgumentException("home subnets " + ipv4Cidr + ": the range must be /8../24, to hold /24s");
        }
        this.prefix = v4[1];
        this.base = v4[0] & mask(prefix);
        this.count = Math.min(1 << (24 - v4[1]), 1 << 16);
        this.ipv6Prefix = parseV6Prefix48(ipv6Cidr);
        this.allocator = allocator;
        this.routes = routes;
    }

    /** How many networks the range holds. */
    public int size() {
        return count;
    }

    /** The range's first /24 as text, e.g. {@code 10.192.0.0/24}, for index 0; and so on. */
    public String ipv4(int index) {
        return text(base + (index << 8)) + "/24";
    }

    public String ipv6(int index) {
        return ipv6Prefix + ":" + Integer.toHexString(index) + "::/64";
    }

    /**
     * A free subnet pair; {@code holder} names it in the lease file.
     *
     * @throws CirqueException RESOURCE_EXHAUSTED when the range is used up
     */
    public Subnet take(String holder) {
        List<int[]> taken = hostRoutes();
        HostAllocator.Lease lease;
        try {
            lease = allocator.take(POOL, 0, count - 1, n -> !covered(base + (n << 8), taken), holder);
        } catch (CirqueException e) {
            throw new CirqueException(CirqueException.Kind.RESOURCE_EXHAUSTED, "no home subnet left in "
                    + ipv4(0).replace("/24", "") + " (" + count + " /24s, --home-subnets): " + e.getMessage());
        }
        return new Subnet(ipv4(lease.number()), ipv6(lease.number()), lease);
    }

    /** Host routes that fall in the range (whose /24s are passed over), as text, for the start-up log. */
    public List<String> routesInRange() {
        List<String> out = new ArrayList<>();
        int rangeMask = mask(prefix);
        for (int[] r : hostRoutes()) {
            int common = r[1] & rangeMask;
            if (r[1] != 0 && (r[0] & common) == (base & common)) {
                out.add(text(r[0]) + "/" + Integer.bitCount(r[1]));
            }
        }
        return out;
    }

    /** Whether a route (not the default one) overlaps the /24 at {@code net}. */
    private static boolean covered(int net, List<int[]> routes) {
        for (int[] r : routes) {
            int common = r[1] & mask(24);
            if (r[1] != 0 && (r[0] & common) == (net & common)) {
                return true;
            }
        }
        return false;
    }

    /** The IPv4 routing table as {destination, netmask} pairs, from the kernel's text form. */
    private List<int[]> hostRoutes() {
        List<int[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(routes)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8 || f[0].equals("Iface")) {
                    continue;
                }
                // Little-endian hex, as the kernel prints it.
                out.add(new int[] {Integer.reverseBytes((int) Long.parseLong(f[1], 16)),
                    Integer.reverseBytes((int) Long.parseLong(f[7], 16))});
            }
        } catch (IOException | NumberFormatException e) {
            // No routing table to read (another OS): nothing to pass over.
        }
        return out;
    }

    private static int mask(int bits) {
        return bits == 0 ? 0 : -1 << (32 - bits);
    }

    private static String text(int address) {
        return ((address >>> 24) & 255) + "." + ((address >>> 16) & 255) + "." + ((address >>> 8) & 255) + "."
                + (address & 255);
    }

    private static int[] parseV4(String cidr) {
        String[] parts = cidr.strip().split("/", -1);
        try {
            if (parts.length != 2 || !parts[0].matches("[0-9]+(\\.[0-9]+){3}")) {
                throw new IllegalArgumentException("not an IPv4 CIDR such as " + DEFAULT_IPV4 + ": '" + cidr + "'");
            }
            InetAddress a = InetAddress.getByName(parts[0]);
            if (!(a instanceof Inet4Address)) {
                throw new IllegalArgumentException("not an IPv4 address: " + parts[0]);
            }
            byte[] b = a.getAddress();
            int address = ((b[0] & 255) << 24) | ((b[1] & 255) << 16) | ((b[2] & 255) << 8) | (b[3] & 255);
            return new int[] {address, Integer.parseInt(parts[1])};
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("not an IPv4 CIDR such as " + DEFAULT_IPV4 + ": '" + cidr + "'");
        }
    }

    /** The first three groups of a /48, e.g. {@code fd63:6972:7175}. */
    private static String parseV6Prefix48(String cidr) {
        String[] parts = cidr.strip().split("/", -1);
        try {
            if (parts.length != 2 || !parts[1].equals("48") || !parts[0].contains(":")) {
                throw new IllegalArgumentException("home IPv6 subnets must be a /48 such as " + DEFAULT_IPV6 + ": '"
                        + cidr + "'");
            }
            InetAddress a = InetAddress.getByName(parts[0]);
            if (!(a instanceof Inet6Address)) {
                throw new IllegalArgumentException("not an IPv6 address: " + parts[0]);
            }
            byte[] b = a.getAddress();
            return String.format(Locale.ROOT, "%x:%x:%x", ((b[0] & 255) << 8) | (b[1] & 255),
                    ((b[2] & 255) << 8) | (b[3] & 255), ((b[4] & 255) << 8) | (b[5] & 255));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 /48: '" + cidr + "'");
        }
    }
}
