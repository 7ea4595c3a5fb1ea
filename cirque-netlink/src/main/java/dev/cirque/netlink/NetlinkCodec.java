package dev.cirque.netlink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Netlink's wire format, for every family here: a message is a 16-byte header (length, type,
 * flags, sequence, port id, in this machine's byte order), the family's own header, then
 * attributes (length, type, value), each padded to four bytes. Encoding builds whole
 * datagrams; the two cursors read them without allocating, for the IP shaper's per-packet path.
 */
public final class NetlinkCodec {

    public static final int HEADER = 16;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLM_F_REQUEST = 1;
    public static final int NLM_F_ACK = 4;
    /** The attribute type's flag bits (nested, network byte order), left out of {@link Attributes#type()}. */
    private static final int ATTRIBUTE_TYPE_MASK = 0x3fff;

    private NetlinkCodec() {}

    /** One attribute: its type and raw value. */
    public record Attribute(int type, byte[] value) {

        /** A 32-bit value in this machine's byte order (generic netlink's). */
        public static Attribute u32(int type, long value) {
            return new Attribute(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt((int) value).array());
        }

        /** A 32-bit value in network byte order (netfilter's). */
        public static Attribute be32(int type, int value) {
            return new Attribute(type, ByteBuffer.allocate(4).putInt(value).array());
        }

        /** A NUL-terminated string (what nlctrl asks for; hwsim reads up to the NUL). */
        public static Attribute string(int type, String value) {
            byte[] s = value.getBytes(StandardCharsets.UTF_8);
            return new Attribute(type, Arrays.copyOf(s, s.length + 1));
        }

        public static Attribute flag(int type) {
            return new Attribute(type, new byte[0]);
        }

        public static Attribute bytes(int type, byte[] value) {
            return new Attribute(type, value);
        }
    }

    public static int align(int n) {
        return (n + 3) & ~3;
    }

    /** One message: the header, {@code familyHeader}, then {@code attributes}. */
    public static byte[] message(int type, int flags, int seq, byte[] familyHeader, List<Attribute> attributes) {
        int length = HEADER + familyHeader.length;
        for (Attribute a : attributes) {
            length += align(4 + a.value().length);
        }
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        out.putInt(length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
        out.put(familyHeader);
        for (Attribute a : attributes) {
            out.putShort((short) (4 + a.value().length)).putShort((short) a.type()).put(a.value());
            out.position(align(out.position()));
        }
        return out.array();
    }

    /** The code of the error message at {@code start}: 0 for an acknowledgement, else minus an errno. */
    public static int errorCode(ByteBuffer in, int start) {
        return in.getInt(start + HEADER);
    }

    /** Reads the messages of one datagram, one after the other. */
    public static final class Messages {
        private ByteBuffer in;
        private int length;
        private int next;
        private int start;
        private int end;

        /** Starts over on the first {@code length} bytes of {@code datagram}. */
        public Messages reset(ByteBuffer datagram, int length) {
            this.in = datagram;
            this.length = length;
            this.next = 0;
            return this;
        }

        /** Moves to the next message; false after the last. A message that overruns the datagram is malformed. */
        public boolean next() throws IOException {
            if (next + HEADER > length) {
                return false;
            }
            int size = in.getInt(next);
            if (size < HEADER || next + size > length) {
                throw new IOException("malformed netlink message from the kernel");
            }
            start = next;
            end = next + size;
            next = Math.min(length, align(end));
            return true;
        }

        public ByteBuffer buffer() {
            return in;
        }

        public int type() {
            return in.getShort(start + 4) & 0xffff;
        }

        public int seq() {
            return in.getInt(start + 8);
        }

        public int start() {
            return start;
        }

        /** Where the family's header begins. */
        public int payload() {
            return start + HEADER;
        }

        public int end() {
            return end;
        }

        public int errorCode() {
            return NetlinkCodec.errorCode(in, start);
        }
    }

    /** Reads the attributes in a range of a message, one after the other; stops at a malformed one. */
    public static final class Attributes {
        private ByteBuffer in;
        private int next;
        private int end;
        private int at;
        private int length;

        public Attributes reset(ByteBuffer message, int from, int end) {
            this.in = message;
            this.next = from;
            this.end = end;
            return this;
        }

        public boolean next() {
            if (next + 4 > end) {
                return false;
            }
            int size = in.getShort(next) & 0xffff;
            if (size < 4 || next + size > end) {
                return false;
            }
            at = next;
            length = size - 4;
            next = Math.min(end, align(next + size));
            return true;
        }

        public int type() {
            return in.getShort(at + 2) & ATTRIBUTE_TYPE_MASK;
        }

        /** Where the value begins in the buffer. */
        public int value() {
            return at + 4;
        }

        public int valueLength() {
            return length;
        }

        /** A copy of the value. */
        public byte[] valueBytes() {
            byte[] v = new byte[length];
            in.get(at + 4, v);
            return v;
        }
    }
}
