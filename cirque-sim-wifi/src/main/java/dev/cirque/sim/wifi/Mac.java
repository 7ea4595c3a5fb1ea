package dev.cirque.sim.wifi;

import java.security.SecureRandom;

/** MAC addresses as the medium keeps them: 48 bits in a long. */
public final class Mac {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Mac() {}

    public static long of(byte[] six) {
        return of(six, 0);
    }

    /** The six bytes at {@code offset} (an 802.11 header's address fields). */
    public static long of(byte[] bytes, int offset) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (bytes[offset + i] & 0xff);
        }
        return v;
    }

    public static byte[] bytes(long mac) {
        byte[] b = new byte[6];
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) mac;
            mac >>>= 8;
        }
        return b;
    }

    /** Group-addressed (broadcast or multicast): the first byte's lowest bit. */
    public static boolean isGroup(long mac) {
        return ((mac >>> 40) & 1) != 0;
    }

    /** A random locally administered unicast address (first byte's low bits 10), for a radio of our own. */
    public static long randomLocal() {
        long v = RANDOM.nextLong() & 0xffffffffffffL;
        return (v & ~(0x03L << 40)) | (0x02L << 40);
    }

    public static String format(long mac) {
        byte[] b = bytes(mac);
        StringBuilder s = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                s.append(':');
            }
            s.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return s.toString();
    }

    /** {@code aa:bb:cc:dd:ee:ff} as a long; -1 when it is not one. */
    public static long parse(String text) {
        String t = text.strip();
        if (!t.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            return -1;
        }
        return Long.parseLong(t.replace(":", ""), 16);
    }
}
