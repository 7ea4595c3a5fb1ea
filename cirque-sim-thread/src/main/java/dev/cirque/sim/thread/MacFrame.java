package dev.cirque.sim.thread;

/**
 * The IEEE 802.15.4 header fields the Thread medium reads from a simulator message (its
 * channel byte first, the frame's FCS last), and the immediate acknowledgement it answers a
 * frame with. Frames of the 2003 and 2006 versions only: a 2015 frame is answered with an
 * enhanced acknowledgement that carries the receiver's own information elements and security,
 * which only the receiver can make.
 */
final class MacFrame {

    static final int TYPE_DATA = 1;
    static final int TYPE_ACK = 2;
    static final int TYPE_COMMAND = 3;
    /** The MAC command a sleepy child polls its parent with. */
    static final int COMMAND_DATA_REQUEST = 0x04;
    private static final int MODE_SHORT = 2;
    private static final int MODE_EXTENDED = 3;
    private static final int VERSION_2015 = 2;

    /** A short (16-bit) or extended (64-bit) MAC address. */
    record Address(boolean extended, long value) {}

    /**
     * @param dst     the destination address, null without one; {@code src} likewise
     * @param command a command frame's identifier (left in the clear by 2006 security), else -1
     */
    record Header(int type, boolean ackRequested, int version, int seq, Address dst, Address src, int command) {}

    /** The key identifier's length by key identifier mode (802.15.4-2006, 7.6.2.4). */
    private static final int[] KEY_ID_LENGTH = {0, 1, 5, 9};

    private MacFrame() {}

    /** The header of a 2003/2006 frame; null for a 2015 frame or one too short to hold its header. */
    static Header parse(byte[] m) {
        if (m.length < 4) {
            return null;
        }
        int fcf = (m[1] & 0xff) | (m[2] & 0xff) << 8;
        int type = fcf & 0x07;
        int version = fcf >> 12 & 0x03;
        if (version == VERSION_2015) {
            return null;
        }
        int dstMode = fcf >> 10 & 0x03;
        int srcMode = fcf >> 14 & 0x03;
        boolean panCompressed = (fcf & 0x40) != 0;
        int at = 4; // channel, control field, sequence number
        Address dst = null;
        if (dstMode == MODE_SHORT || dstMode == MODE_EXTENDED) {
            at += 2; // destination PAN id
            dst = address(m, at, dstMode);
            if (dst == null) {
                return null;
            }
            at += dstMode == MODE_SHORT ? 2 : 8;
        }
        Address src = null;
        if (srcMode == MODE_SHORT || srcMode == MODE_EXTENDED) {
            at += panCompressed ? 0 : 2;
            src = address(m, at, srcMode);
            if (src == null) {
                return null;
            }
            at += srcMode == MODE_SHORT ? 2 : 8;
        }
        int command = -1;
        if (type == TYPE_COMMAND) {
            if ((fcf & 0x08) != 0 && at < m.length) { // the auxiliary security header: control, counter, key id
                at += 1 + 4 + KEY_ID_LENGTH[m[at] >> 3 & 0x03];
            }
            command = at < m.length ? m[at] & 0xff : -1;
        }
        return new Header(type, (fcf & 0x20) != 0, version, m[3] & 0xff, dst, src, command);
    }

    /** The immediate acknowledgement of {@code m} (no frame pending), as the simulator sends it. */
    static byte[] immediateAck(byte[] m, Header h) {
        byte[] ack = {m[0], TYPE_ACK, (byte) (h.version() << 4), (byte) h.seq(), 0, 0};
        int crc = fcs(ack, 1, 4);
        ack[4] = (byte) crc;
        ack[5] = (byte) (crc >> 8);
        return ack;
    }

    /** 802.15.4's FCS of {@code bytes[from, to)}: CRC-16/KERMIT (poly 0x1021 reflected, init 0). */
    static int fcs(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= bytes[i] & 0xff;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? crc >>> 1 ^ 0x8408 : crc >>> 1;
            }
        }
        return crc;
    }

    /** An address, little-endian on the air; null where the frame ends before it. */
    private static Address address(byte[] m, int at, int mode) {
        int length = mode == MODE_SHORT ? 2 : 8;
        if (at + length > m.length) {
            return null;
        }
        long value = 0;
        for (int i = at + length - 1; i >= at; i--) {
            value = value << 8 | (m[i] & 0xff);
        }
        return new Address(mode == MODE_EXTENDED, value);
    }
}
