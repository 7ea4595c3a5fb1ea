package dev.cirque.sim.ip;

import dev.cirque.netlink.SocketCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/**
 * One nfnetlink_queue queue, bound by this process: the kernel hands it every packet an
 * {@code NFQUEUE --queue-num N} rule sends there (headers only, GSO packets whole), and
 * holds each until a verdict names its id. Verdicts may come in any order and from any
 * thread; packets are read by one thread.
 */
final class NfQueue implements AutoCloseable {

    /** A queued packet: its id, the bridge port it came in by, and its first bytes (IP header on). */
    record Packet(int id, int physInIndex, byte[] head, int headLength) {}

    private static final int NFNL_SUBSYS_QUEUE = 3;
    private static final int MSG_PACKET = NFNL_SUBSYS_QUEUE << 8;
    private static final int MSG_VERDICT = (NFNL_SUBSYS_QUEUE << 8) | 1;
    private static final int MSG_CONFIG = (NFNL_SUBSYS_QUEUE << 8) | 2;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    private static final int CFG_CMD = 1;
    private static final int CFG_PARAMS = 2;
    private static final int CFG_QUEUE_MAXLEN = 3;
    private static final int CFG_MASK = 4;
    private static final int CFG_FLAGS = 5;
    private static final int CMD_BIND = 1;
    private static final int COPY_PACKET = 2;
    /** Hand over GSO packets unsegmented: segmenting first costs ~10x in throughput. */
    private static final int F_GSO = 4;
    private static final int ATTR_PACKET_HDR = 1;
    private static final int ATTR_VERDICT_HDR = 2;
    private static final int ATTR_PHYSINDEV = 7;
    private static final int ATTR_PAYLOAD = 10;
    static final int NF_DROP = 0;
    static final int NF_ACCEPT = 1;
    /** Enough of each packet for an IPv6 header; the kernel keeps the rest. */
    static final int COPY_RANGE = 64;

    private final SocketCalls libc = SocketCalls.INSTANCE;
    private final int fd;
    private final int queue;
    private final byte[] in = new byte[1 << 20];
    private volatile boolean closed;

    private NfQueue(int fd, int queue) {
        this.fd = fd;
        this.queue = queue;
    }

    /**
     * Binds queue {@code queue} in this network namespace, holding up to {@code maxLength}
     * packets. Fails if another process has bound it.
     */
    static NfQueue bind(int queue, int maxLength) throws IOException {
        SocketCalls libc = SocketCalls.INSTANCE;
        int fd = libc.socket(SocketCalls.AF_NETLINK, SocketCalls.SOCK_RAW | SocketCalls.SOCK_CLOEXEC,
                SocketCalls.NETLINK_NETFILTER);
        if (fd < 0) {
            throw new IOException("cannot open a netfilter netlink socket: errno " + errno());
        }
        NfQueue q = new NfQueue(fd, queue);
        try {
            byte[] address = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
                    .putShort((short) SocketCalls.AF_NETLINK).putShort((short) 0).putInt(0).putInt(0).array();
            check(libc.bind(fd, address, address.length), "bind a netfilter netlink socket");
            // Room for bursts: a full socket buffer drops packets before they are even queued.
            q.option(SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUFFORCE, intBytes(64 << 20, ByteOrder.nativeOrder()));
            q.option(SocketCalls.SOL_NETLINK, SocketCalls.NETLINK_NO_ENOBUFS, intBytes(1, ByteOrder.nativeOrder()));
            // Reads wake up twice a second, so close() is seen.
            q.option(SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVTIMEO,
                    ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(0).putLong(500_000).array());
            q.config(attribute(CFG_CMD, new byte[] {CMD_BIND, 0, 0, 0}));
            q.config(attribute(CFG_PARAMS, ByteBuffer.allocate(5).putInt(COPY_RANGE).put((byte) COPY_PACKET).array()));
            q.config(attribute(CFG_QUEUE_MAXLEN, intBytes(maxLength, ByteOrder.BIG_ENDIAN)));
            q.config(attribute(CFG_FLAGS, intBytes(F_GSO, ByteOrder.BIG_ENDIAN)),
                    attribute(CFG_MASK, intBytes(F_GSO, ByteOrder.BIG_ENDIAN)));
            return q;
        } catch (IOException e) {
            q.close();
            throw e;
        }
    }

    int queueNumber() {
        return queue;
    }

    /** Waits (up to half a second) for packets and hands each to {@code sink}; false once closed. */
    boolean receive(java.util.function.Consumer<Packet> sink) throws IOException {
        if (closed) {
            return false;
        }
        long n = libc.recv(fd, in, in.length, 0);
        if (n < 0) {
            int e = errno();
            if (e == SocketCalls.EAGAIN || e == SocketCalls.EINTR || e == SocketCalls.ENOBUFS) {
                return !closed;
            }
            if (closed) {
                return false;
            }
            throw new IOException("reading queue " + queue + ": errno " + e);
        }
        ByteBuffer b = ByteBuffer.wrap(in, 0, (int) n).order(ByteOrder.nativeOrder());
        while (b.remaining() >= 16) {
            int start = b.position();
            int length = b.getInt(start);
            int type = b.getShort(start + 4) & 0xffff;
            if (length < 16 || start + length > n) {
                break;
            }
            if (type == MSG_PACKET) {
                sink.accept(parse(b, start + 20, start + length));
            }
            b.position(align(start + length));
        }
        return true;
    }

    private static Packet parse(ByteBuffer b, int from, int end) {
        int id = -1;
        int physIn = 0;
        byte[] head = new byte[COPY_RANGE];
        int headLength = 0;
        int at = from;
        while (at + 4 <= end) {
            int len = b.getShort(at) & 0xffff;
            int type = b.getShort(at + 2) & 0x3fff;
            if (len < 4 || at + len > end) {
                break;
            }
            ByteBuffer v = b.duplicate().order(ByteOrder.BIG_ENDIAN);
            v.position(at + 4);
            switch (type) {
                case ATTR_PACKET_HDR -> id = v.getInt();
                case ATTR_PHYSINDEV -> physIn = v.getInt();
                case ATTR_PAYLOAD -> {
                    headLength = Math.min(len - 4, COPY_RANGE);
                    v.get(head, 0, headLength);
                }
                default -> { }
            }
            at = align(at + len);
        }
        return new Packet(id, physIn, head, headLength);
    }

    /** Accepts or drops a held packet. Thread-safe: each verdict is one datagram. */
    void verdict(int id, int verdict) throws IOException {
        byte[] m = message(MSG_VERDICT, NLM_F_REQUEST,
                attribute(ATTR_VERDICT_HDR, ByteBuffer.allocate(8).putInt(verdict).putInt(id).array()));
        if (libc.send(fd, m, m.length, 0) != m.length && !closed) {
            throw new IOException("verdict for packet " + id + " on queue " + queue + " failed: errno " + errno());
        }
    }

    private void config(byte[]... attributes) throws IOException {
        byte[] m = message(MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, attributes);
        if (libc.send(fd, m, m.length, 0) != m.length) {
            throw new IOException("configuring queue " + queue + " failed: errno " + errno());
        }
        // Read up to the acknowledgement (packets cannot arrive yet: no rule sends here before bind).
        byte[] reply = new byte[4096];
        for (int tries = 0; tries < 10; tries++) {
            long n = libc.recv(fd, reply, reply.length, 0);
            if (n < 0) {
                int e = errno();
                if (e == SocketCalls.EINTR) {
                    continue;
                }
                throw new IOException("no answer configuring queue " + queue + ": errno " + e);
            }
            ByteBuffer b = ByteBuffer.wrap(reply, 0, (int) n).order(ByteOrder.nativeOrder());
            if ((b.getShort(4) & 0xffff) == NLMSG_ERROR) {
                int code = b.getInt(16);
                if (code < 0) {
                    throw new IOException("the kernel refused to configure queue " + queue + ": errno " + -code
                            + (-code == 16 ? " (EBUSY: another process has bound it)" : ""));
                }
                return;
            }
        }
        throw new IOException("no acknowledgement configuring queue " + queue);
    }

    private byte[] message(int type, int flags, byte[]... attributes) {
        int length = 16 + 4;
        for (byte[] a : attributes) {
            length += a.length;
        }
        ByteBuffer m = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        m.putInt(length).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
        m.put((byte) 0).put((byte) 0).order(ByteOrder.BIG_ENDIAN).putShort((short) queue).order(ByteOrder.nativeOrder());
        for (byte[] a : attributes) {
            m.put(a);
        }
        return m.array();
    }

    /** An attribute, its value padded to four bytes. */
    private static byte[] attribute(int type, byte[] value) {
        ByteBuffer a = ByteBuffer.allocate(align(4 + value.length)).order(ByteOrder.nativeOrder());
        a.putShort((short) (4 + value.length)).putShort((short) type).put(value);
        return a.array();
    }

    private void option(int level, int name, byte[] value) throws IOException {
        check(libc.setsockopt(fd, level, name, value, value.length), "set socket option " + name);
    }

    private static byte[] intBytes(int v, ByteOrder order) {
        return ByteBuffer.allocate(4).order(order).putInt(v).array();
    }

    private static void check(int result, String what) throws IOException {
        if (result != 0) {
            throw new IOException("cannot " + what + ": errno " + errno());
        }
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    private static int errno() {
        return LastError.getLastError(Runtime.getRuntime(SocketCalls.INSTANCE));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            libc.close(fd);
        }
    }
}
