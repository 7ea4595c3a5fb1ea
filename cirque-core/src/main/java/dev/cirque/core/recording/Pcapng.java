package dev.cirque.core.recording;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The blocks of a pcapng file (the Wireshark project's format: several interfaces of their
 * own link types in one file, a comment on each frame), little-endian: a section header,
 * an interface description per interface, an enhanced packet block per frame with
 * nanosecond timestamps. {@code tshark -r} and Wireshark read them.
 */
public final class Pcapng {

    /** Ethernet, as a home's bridge and its nodes' interfaces carry it. */
    public static final int LINKTYPE_ETHERNET = 1;
    /** 802.11 frames behind a radiotap header. */
    public static final int LINKTYPE_IEEE802_11_RADIOTAP = 127;
    /** IEEE 802.15.4 frames that end with their FCS, as OpenThread's simulator sends them. */
    public static final int LINKTYPE_IEEE802_15_4_WITHFCS = 195;

    private static final int SECTION_HEADER = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION = 0x00000001;
    private static final int ENHANCED_PACKET = 0x00000006;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final short OPT_END = 0;
    private static final short OPT_COMMENT = 1;
    private static final short SHB_USERAPPL = 4;
    private static final short IF_NAME = 2;
    private static final short IF_DESCRIPTION = 3;
    private static final short IF_TSRESOL = 9;
    /** Timestamps in nanoseconds (10^-9 s). */
    private static final byte NANOSECONDS = 9;

    private Pcapng() {}

    /** The section header that opens a file, naming the application that wrote it. */
    public static byte[] sectionHeader(String application) {
        byte[] app = utf8(application);
        ByteBuffer b = block(SECTION_HEADER, 16 + option(app.length) + 4);
        b.putInt(BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0).putLong(-1L); // section length unknown
        putOption(b, SHB_USERAPPL, app);
        return end(b);
    }

    /** An interface: its link type, its name (a network, a medium) and what it is. */
    public static byte[] interfaceDescription(int linkType, String name, String description) {
        byte[] n = utf8(name);
        byte[] d = utf8(description);
        ByteBuffer b = block(INTERFACE_DESCRIPTION, 8 + option(n.length) + option(d.length) + option(1) + 4);
        b.putShort((short) linkType).putShort((short) 0).putInt(0); // no snap length
        putOption(b, IF_NAME, n);
        putOption(b, IF_DESCRIPTION, d);
        putOption(b, IF_TSRESOL, new byte[] {NANOSECONDS});
        return end(b);
    }

    /**
     * A frame seen on interface {@code iface} (its index in the file's interface order) at
     * {@code epochNanos}, with a comment (what the medium did with it), or none when null.
     */
    public static byte[] enhancedPacket(int iface, long epochNanos, byte[] frame, int offset, int length,
            String comment) {
        byte[] c = comment == null ? null : utf8(comment);
        ByteBuffer b = block(ENHANCED_PACKET, 20 + padded(length) + (c == null ? 0 : option(c.length) + 4));
        b.putInt(iface).putInt((int) (epochNanos >>> 32)).putInt((int) epochNanos).putInt(length).putInt(length);
        b.put(frame, offset, length);
        b.position(b.position() + padded(length) - length);
        if (c != null) {
            putOption(b, OPT_COMMENT, c);
        }
        return end(b);
    }

    /** A block's type and length, ready for its body (the trailing options end and length are {@link #end}'s). */
    private static ByteBuffer block(int type, int body) {
        int total = 8 + body + 4;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        return b.putInt(type).putInt(total);
    }

    private static byte[] end(ByteBuffer b) {
        int total = b.capacity();
        if (b.position() != total - 4) { // an options block: its end marker (4 zero bytes) first
            b.putShort(OPT_END).putShort((short) 0);
        }
        b.putInt(total);
        return b.array();
    }

    private static void putOption(ByteBuffer b, short code, byte[] value) {
        b.putShort(code).putShort((short) value.length).put(value);
        b.position(b.position() + padded(value.length) - value.length);
    }

    /** An option's bytes: code, length, the value padded to 32 bits. */
    private static int option(int length) {
        return 4 + padded(length);
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
