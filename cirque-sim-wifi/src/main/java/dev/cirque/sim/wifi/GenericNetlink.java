package dev.cirque.sim.wifi;

import dev.cirque.netlink.NetlinkCodec;
import dev.cirque.netlink.NetlinkCodec.Attribute;
import dev.cirque.netlink.NetlinkSocket;
import dev.cirque.netlink.SocketCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A generic-netlink socket: resolves families by name and sends one request at a time,
 * reading the kernel's replies up to its acknowledgement. Thread-safe (requests are
 * serialised on the socket). Closing the socket is meaningful to some families: hwsim
 * deletes the radios a socket created with "destroy on close". The socket and the wire
 * format are cirque-netlink's, shared with the IP shaper's queue.
 */
public final class GenericNetlink implements AutoCloseable {

    private static final int GENL_ID_CTRL = 16;
    private static final int CTRL_CMD_GETFAMILY = 3;
    private static final int CTRL_ATTR_FAMILY_ID = 1;
    private static final int CTRL_ATTR_FAMILY_NAME = 2;
    private static final int GENL_HEADER = 4;
    private static final SecureRandom PORT_IDS = new SecureRandom();

    private final NetlinkSocket socket;
    private final byte[] buffer = new byte[256 * 1024];
    private final NetlinkCodec.Messages replies = new NetlinkCodec.Messages();
    private final Map<String, Integer> families = new HashMap<>();
    private int seq = (int) (System.nanoTime() & 0x3fffffff);

    private GenericNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a socket in the calling thread's network namespace. */
    public static GenericNetlink open() throws IOException {
        return open(10, 0);
    }

    /**
     * As {@link #open()}, with a receive timeout of {@code timeoutSeconds} (a kernel that never
     * answers must not hang a thread; a reader loop wakes this often to see whether it should
     * stop) and, when {@code receiveBuffer} is positive, a receive buffer of that many bytes.
     */
    public static GenericNetlink open(int timeoutSeconds, int receiveBuffer) throws IOException {
        NetlinkSocket socket = NetlinkSocket.open(SocketCalls.NETLINK_GENERIC, "generic netlink");
        try {
            socket.receiveTimeout(timeoutSeconds, 0);
            if (receiveBuffer > 0) {
                socket.option(SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUFFORCE, receiveBuffer);
            }
            // Our own port id, not the kernel's pick. The kernel would give this socket the
            // process id, which glibc's getifaddrs() also gets for the short-lived NETLINK_ROUTE
            // socket it opens whenever the JVM lists interfaces; and hwsim deletes the
            // "destroy on close" radios of a port id whenever *any* socket of that id closes,
            // whatever its protocol. Ids from 2^30 to 2^31-1 are above every process id and
            // below the kernel's own negative picks, so no autobound socket ever shares ours.
            for (int attempt = 0; ; attempt++) {
                int e = socket.bind(0x40000000 | PORT_IDS.nextInt(0x40000000));
                if (e == 0) {
                    return new GenericNetlink(socket);
                }
                if (e != NetlinkSocket.EADDRINUSE || attempt == 10) {
                    throw new IOException("cannot bind a generic netlink socket: errno " + e);
                }
            }
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The family's id, or empty when the kernel has no such family (its module is not loaded). */
    public synchronized Optional<Integer> family(String name) throws IOException {
        Integer known = families.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        Reply r;
        try {
            r = request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, List.of(Attribute.string(CTRL_ATTR_FAMILY_NAME, name)));
        } catch (NetlinkException e) {
            if (e.errno() == NetlinkException.ENOENT) {
                return Optional.empty();
            }
            throw new IOException("looking up generic netlink family " + name + ": " + e.getMessage(), e);
        }
        byte[] id = r.attribute(CTRL_ATTR_FAMILY_ID)
                .orElseThrow(() -> new IOException("the kernel's answer for family " + name + " has no id"));
        int value = ByteBuffer.wrap(id).order(ByteOrder.nativeOrder()).getShort() & 0xffff;
        families.put(name, value);
        return Optional.of(value);
    }

    /**
     * Sends one request and reads until the kernel acknowledges it. The acknowledgement's
     * code is returned in {@link Reply#code()}: some commands (hwsim's new radio) answer
     * with a positive value there.
     */
    public synchronized Reply request(int family, int command, int version, List<Attribute> attributes)
            throws IOException, NetlinkException {
        int mySeq = ++seq;
        socket.send(encode(family, command, version, attributes, mySeq,
                NetlinkCodec.NLM_F_REQUEST | NetlinkCodec.NLM_F_ACK), "netlink send");
        Map<Integer, byte[]> attrs = new HashMap<>();
        while (true) {
            int n = socket.receive(buffer);
            if (n == -SocketCalls.EINTR) {
                continue;
            }
            if (n < 0) {
                throw new IOException(-n == SocketCalls.EAGAIN ? "the kernel did not answer a netlink request in 10 s"
                        : "netlink receive failed: errno " + -n);
            }
            NetlinkCodec.Messages in = replies.reset(ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder()), n);
            while (in.next()) {
                if (in.seq() != mySeq) {
                    continue;
                }
                if (in.type() == NetlinkCodec.NLMSG_ERROR) {
                    int code = in.errorCode();
                    if (code < 0) {
                        throw new NetlinkException("netlink command " + command + " refused", -code);
                    }
                    return new Reply(code, attrs);
                }
                if (in.type() == NetlinkCodec.NLMSG_DONE) {
                    return new Reply(0, attrs);
                }
                readAttributes(in, attrs);
            }
        }
    }

    /**
     * Sends one message without asking for an acknowledgement (the kernel still answers an
     * error, which a reader of {@link #receive} sees as a message of type NLMSG_ERROR). For a
     * socket whose replies one thread reads with {@link #receive}, never with {@link #request}.
     */
    public void send(int family, int command, int version, List<Attribute> attributes) throws IOException {
        byte[] message;
        synchronized (this) {
            message = encode(family, command, version, attributes, ++seq, NetlinkCodec.NLM_F_REQUEST);
        }
        socket.send(message, "netlink send");
    }

    /** A message the kernel sent: its netlink type (a family id, or NLMSG_ERROR), command and attributes. */
    public record Message(int type, int command, Map<Integer, byte[]> attributes) {}

    /**
     * Reads what the kernel sent (one datagram, possibly several messages) into {@code into};
     * returns false when the receive timeout passed with nothing. Not synchronised: one
     * reader thread.
     */
    public boolean receive(byte[] buffer, java.util.function.Consumer<Message> into) throws IOException {
        int n = socket.receive(buffer);
        if (n == -SocketCalls.EINTR || n == -SocketCalls.EAGAIN) {
            return false;
        }
        if (n == -SocketCalls.ENOBUFS) {
            throw new IOException("the kernel dropped messages for this socket (its receive buffer was full)");
        }
        if (n < 0) {
            throw new IOException("netlink receive failed: errno " + -n);
        }
        ByteBuffer datagram = ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder());
        NetlinkCodec.Messages in = new NetlinkCodec.Messages().reset(datagram, n);
        while (in.next()) {
            Map<Integer, byte[]> attrs = new HashMap<>();
            int command = -1;
            int type = in.type();
            if (type != NetlinkCodec.NLMSG_ERROR && type != NetlinkCodec.NLMSG_DONE
                    && in.end() - in.payload() >= GENL_HEADER) {
                command = datagram.get(in.payload()) & 0xff;
                readAttributes(in, attrs);
            }
            into.accept(new Message(type, command, attrs));
        }
        return true;
    }

    /** Netlink's message type of an error or acknowledgement. */
    public static boolean isError(Message m) {
        return m.type() == NetlinkCodec.NLMSG_ERROR;
    }

    /** A generic netlink message's attributes (after its own header), the first of each type kept. */
    private static void readAttributes(NetlinkCodec.Messages message, Map<Integer, byte[]> into) {
        NetlinkCodec.Attributes a = new NetlinkCodec.Attributes().reset(message.buffer(),
                message.payload() + GENL_HEADER, message.end());
        while (a.next()) {
            into.putIfAbsent(a.type(), a.valueBytes());
        }
    }

    private static byte[] encode(int family, int command, int version, List<Attribute> attributes, int seq, int flags) {
        return NetlinkCodec.message(family, flags, seq, new byte[] {(byte) command, (byte) version, 0, 0}, attributes);
    }

    @Override
    public void close() {
        socket.close();
    }

    /** The kernel's answer: the acknowledgement's code and the attributes of its replies. */
    public record Reply(int code, Map<Integer, byte[]> attributes) {

        public Optional<byte[]> attribute(int type) {
            return Optional.ofNullable(attributes.get(type));
        }
    }
}
