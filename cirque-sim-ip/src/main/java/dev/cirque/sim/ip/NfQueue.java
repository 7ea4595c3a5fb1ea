package dev.cirque.sim.ip;

import dev.cirque.netlink.NetlinkCodec;
import dev.cirque.netlink.NetlinkCodec.Attribute;
import dev.cirque.netlink.NetlinkSocket;
import dev.cirque.netlink.SocketCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One nfnetlink_queue queue, bound by this process: the kernel hands it every packet an
 * {@code NFQUEUE --queue-num N} rule sends there (headers only, GSO packets whole), and
 * holds each until a verdict names its id. Verdicts may come in any order and from any
 * thread; packets are read by one thread. The socket and the wire format are
 * cirque-netlink's, shared with the WiFi radios.
 */
final class NfQueue implements AutoCloseable {

    /** A queued packet: its id, the bridge port it came in by, and its first bytes (IP header on). */
    record Packet(int id, int physInIndex, byte[] head, int headLength) {}

    private static final int NFNL_SUBSYS_QUEUE = 3;
    private static final int MSG_PACKET = NFNL_SUBSYS_QUEUE << 8;
    private static final int MSG_VERDICT = (NFNL_SUBSYS_QUEUE << 8) | 1;
    private static final int MSG_CONFIG = (NFNL_SUBSYS_QUEUE << 8) | 2;
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
    /** nfnetlink's own header: family, version, resource id (the queue, big-endian). */
    private static final int NFGEN_HEADER = 4;
    private static final int EBUSY = 16;
    static final int NF_DROP = 0;
    static final int NF_ACCEPT = 1;
    /** Enough of each packet for an IPv6 header; the kernel keeps the rest. */
    static final int COPY_RANGE = 64;

    private final NetlinkSocket socket;
    private final int queue;
    private final byte[] nfgenHeader;
    private final byte[] in = new byte[1 << 20];
    private final ByteBuffer inBuffer = ByteBuffer.wrap(in).order(ByteOrder.nativeOrder());
    /** The same bytes read big-endian: nfnetlink's attribute values are. */
    private final ByteBuffer inBigEndian = ByteBuffer.wrap(in).order(ByteOrder.BIG_ENDIAN);
    // The reader thread's own cursors: parsing a packet allocates only the packet.
    private final NetlinkCodec.Messages messages = new NetlinkCodec.Messages();
    private final NetlinkCodec.Attributes attributes = new NetlinkCodec.Attributes();

    private NfQueue(NetlinkSocket socket, int queue) {
        this.socket = socket;
        this.queue = queue;
        this.nfgenHeader = new byte[] {0, 0, (byte) (queue >> 8), (byte) queue};
    }

    /**
     * Binds queue {@code queue} in this network namespace, holding up to {@code maxLength}
     * packets. Fails if another process has bound it.
     */
    static NfQueue bind(int queue, int maxLength) throws IOException {
        NfQueue q = new NfQueue(NetlinkSocket.open(SocketCalls.NETLINK_NETFILTER, "netfilter netlink"), queue);
        try {
            int e = q.socket.bind(0);
            if (e != 0) {
                throw new IOException("cannot bind a netfilter netlink socket: errno " + e);
            }
            // Room for bursts: a full socket buffer drops packets before they are even queued.
            q.socket.option(SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUFFORCE, 64 << 20);
            q.socket.option(SocketCalls.SOL_NETLINK, SocketCalls.NETLINK_NO_ENOBUFS, 1);
            q.socket.receiveTimeout(0, 500_000); // reads wake up twice a second, so close() is seen
            q.config(new Attribute(CFG_CMD, new byte[] {CMD_BIND, 0, 0, 0}));
            q.config(new Attribute(CFG_PARAMS, ByteBuffer.allocate(5).putInt(COPY_RANGE).put((byte) COPY_PACKET)
                    .array()));
            q.config(Attribute.be32(CFG_QUEUE_MAXLEN, maxLength));
            q.config(Attribute.be32(CFG_FLAGS, F_GSO), Attribute.be32(CFG_MASK, F_GSO));
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
        if (socket.isClosed()) {
            return false;
        }
        int n = socket.receive(in);
        if (n < 0) {
            int e = -n;
            if (e == SocketCalls.EAGAIN || e == SocketCalls.EINTR || e == SocketCalls.ENOBUFS) {
                return !socket.isClosed();
            }
            if (socket.isClosed()) {
                return false;
            }
            throw new IOException("reading queue " + queue + ": errno " + e);
        }
        NetlinkCodec.Messages m = messages.reset(inBuffer, n);
        try {
            while (m.next()) {
                if (m.type() == MSG_PACKET) {
                    sink.accept(parse(m.payload() + NFGEN_HEADER, m.end()));
                }
            }
        } catch (IOException malformed) {
            // a truncated datagram: the packets before it were handed on, the rest is not there
        }
        return true;
    }

    private Packet parse(int from, int end) {
        int id = -1;
        int physIn = 0;
        byte[] head = new byte[COPY_RANGE];
        int headLength = 0;
        NetlinkCodec.Attributes a = attributes.reset(inBuffer, from, end);
        while (a.next()) {
            switch (a.type()) {
                case ATTR_PACKET_HDR -> id = inBigEndian.getInt(a.value());
                case ATTR_PHYSINDEV -> physIn = inBigEndian.getInt(a.value());
                case ATTR_PAYLOAD -> {
                    headLength = Math.min(a.valueLength(), COPY_RANGE);
                    inBuffer.get(a.value(), head, 0, headLength);
                }
                default -> { }
            }
        }
        return new Packet(id, physIn, head, headLength);
    }

    /** Accepts or drops a held packet. Thread-safe: each verdict is one datagram. */
    void verdict(int id, int verdict) throws IOException {
        byte[] m = NetlinkCodec.message(MSG_VERDICT, NetlinkCodec.NLM_F_REQUEST, 0, nfgenHeader,
                List.of(new Attribute(ATTR_VERDICT_HDR, ByteBuffer.allocate(8).putInt(verdict).putInt(id).array())));
        try {
            socket.send(m, "verdict for packet " + id + " on queue " + queue);
        } catch (IOException e) {
            if (!socket.isClosed()) {
                throw e; // once closed, the kernel has dropped what the queue held
            }
        }
    }

    private void config(Attribute... attrs) throws IOException {
        socket.send(NetlinkCodec.message(MSG_CONFIG, NetlinkCodec.NLM_F_REQUEST | NetlinkCodec.NLM_F_ACK, 0,
                nfgenHeader, List.of(attrs)), "configuring queue " + queue);
        // Read up to the acknowledgement (packets cannot arrive yet: no rule sends here before bind).
        byte[] reply = new byte[4096];
        NetlinkCodec.Messages m = new NetlinkCodec.Messages();
        for (int tries = 0; tries < 10; tries++) {
            int n = socket.receive(reply);
            if (n == -SocketCalls.EINTR) {
                continue;
            }
            if (n < 0) {
                throw new IOException("no answer configuring queue " + queue + ": errno " + -n);
            }
            m.reset(ByteBuffer.wrap(reply).order(ByteOrder.nativeOrder()), n);
            while (m.next()) {
                if (m.type() == NetlinkCodec.NLMSG_ERROR) {
                    int code = m.errorCode();
                    if (code < 0) {
                        throw new IOException("the kernel refused to configure queue " + queue + ": errno " + -code
                                + (-code == EBUSY ? " (EBUSY: another process has bound it)" : ""));
                    }
                    return;
                }
            }
        }
        throw new IOException("no acknowledgement configuring queue " + queue);
    }

    @Override
    public void close() {
        socket.close();
    }
}
