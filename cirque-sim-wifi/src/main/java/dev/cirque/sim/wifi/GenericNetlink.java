package dev.cirque.sim.wifi;

import dev.cirque.netlink.SocketCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/**
 * A generic-netlink socket: resolves families by name and sends one request at a time,
 * reading the kernel's replies up to its acknowledgement. Thread-safe (requests are
 * serialised on the socket). Closing the socket is meaningful to some families: hwsim
 * deletes the radios a socket created with "destroy on close".
 */
public final class GenericNetlink implements AutoCloseable {

    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    private static final int GENL_ID_CTRL = 16;
    private static final int CTRL_CMD_GETFAMILY = 3;
    private static final int CTRL_ATTR_FAMILY_ID = 1;
    private static final int CTRL_ATTR_FAMILY_NAME = 2;
    private static final int HEADER = 16;
    private static final int GENL_HEADER = 4;
    private static final int EADDRINUSE = 98;
    private static final SecureRandom PORT_IDS = new SecureRandom();

    private final SocketCalls libc = SocketCalls.INSTANCE;
    private final int fd;
    private final byte[] buffer = new byte[256 * 1024];
    private final Map<String, Integer> families = new HashMap<>();
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    private boolean closed;

    private GenericNetlink(int fd) {
        this.fd = fd;
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
        SocketCalls libc = SocketCalls.INSTANCE;
        int fd = libc.socket(SocketCalls.AF_NETLINK, SocketCalls.SOCK_RAW | SocketCalls.SOCK_CLOEXEC,
                SocketCalls.NETLINK_GENERIC);
        if (fd < 0) {
            throw new IOException("cannot open a generic netlink socket: errno " + errno());
        }
        byte[] timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(timeoutSeconds).putLong(0)
                .array();
        if (libc.setsockopt(fd, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVTIMEO, timeout, timeout.length) != 0) {
            int e = errno();
            libc.close(fd);
            throw new IOException("cannot set up a generic netlink socket: errno " + e);
        }
        if (receiveBuffer > 0) {
            byte[] size = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(receiveBuffer).array();
            if (libc.setsockopt(fd, SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVBUFFORCE, size, size.length) != 0) {
                int e = errno();
                libc.close(fd);
                throw new IOException("cannot size a generic netlink socket's buffer: errno " + e);
            }
        }
        // Our own port id, not the kernel's pick. The kernel would give this socket the
        // process id, which glibc's getifaddrs() also gets for the short-lived NETLINK_ROUTE
        // socket it opens whenever the JVM lists interfaces; and hwsim deletes the
        // "destroy on close" radios of a port id whenever *any* socket of that id closes,
        // whatever its protocol. Ids from 2^30 to 2^31-1 are above every process id and
        // below the kernel's own negative picks, so no autobound socket ever shares ours.
        for (int attempt = 0; ; attempt++) {
            int portId = 0x40000000 | PORT_IDS.nextInt(0x40000000);
            byte[] address = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
                    .putShort((short) SocketCalls.AF_NETLINK).putShort((short) 0).putInt(portId).putInt(0).array();
            if (libc.bind(fd, address, address.length) == 0) {
                return new GenericNetlink(fd);
            }
            int e = errno();
            if (e != EADDRINUSE || attempt == 10) {
                libc.close(fd);
                throw new IOException("cannot bind a generic netlink socket: errno " + e);
            }
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
        if (closed) {
            throw new IOException("generic netlink socket is closed");
        }
        int mySeq = ++seq;
        byte[] message = encode(family, command, version, attributes, mySeq, NLM_F_REQUEST | NLM_F_ACK);
        long sent = libc.send(fd, message, message.length, 0);
        if (sent != message.length) {
            throw new IOException("netlink send failed: errno " + errno());
        }
        Map<Integer, byte[]> attrs = new HashMap<>();
        while (true) {
            long n = libc.recv(fd, buffer, buffer.length, 0);
            if (n < 0) {
                int e = errno();
                if (e == SocketCalls.EINTR) {
                    continue;
                }
                throw new IOException(e == SocketCalls.EAGAIN ? "the kernel did not answer a netlink request in 10 s"
                        : "netlink receive failed: errno " + e);
            }
            ByteBuffer in = ByteBuffer.wrap(buffer, 0, (int) n).order(ByteOrder.nativeOrder());
            while (in.remaining() >= HEADER) {
                int start = in.position();
                int length = in.getInt();
                int type = in.getShort() & 0xffff;
                in.getShort(); // flags
                int msgSeq = in.getInt();
                in.getInt(); // port id
                if (length < HEADER || start + length > n) {
                    throw new IOException("malformed netlink message from the kernel");
                }
                int end = start + length;
                if (msgSeq == mySeq) {
                    if (type == NLMSG_ERROR) {
                        int code = in.getInt();
                        if (code < 0) {
                            throw new NetlinkException("netlink command " + command + " refused", -code);
                        }
                        return new Reply(code, attrs);
                    }
                    if (type == NLMSG_DONE) {
                        return new Reply(0, attrs);
                    }
                    in.position(start + HEADER + GENL_HEADER);
                    readAttributes(in, end, attrs);
                }
                in.position(Math.min((int) n, align(end)));
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
            if (closed) {
                throw new IOException("generic netlink socket is closed");
            }
            message = encode(family, command, version, attributes, ++seq, NLM_F_REQUEST);
        }
        long sent = libc.send(fd, message, message.length, 0);
        if (sent != message.length) {
            throw new IOException("netlink send failed: errno " + errno());
        }
    }

    /** A message the kernel sent: its netlink type (a family id, or NLMSG_ERROR), command and attributes. */
    public record Message(int type, int command, Map<Integer, byte[]> attributes) {}

    /**
     * Reads what the kernel sent (one datagram, possibly several messages) into {@code into};
     * returns false when the receive timeout passed with nothing. Not synchronised: one
     * reader thread.
     */
    public boolean receive(byte[] buffer, java.util.function.Consumer<Message> into) throws IOException {
        long n = libc.recv(fd, buffer, buffer.length, 0);
        if (n < 0) {
            int e = errno();
            if (e == SocketCalls.EINTR || e == SocketCalls.EAGAIN) {
                return false;
            }
            if (e == SocketCalls.ENOBUFS) {
                throw new IOException("the kernel dropped messages for this socket (its receive buffer was full)");
            }
            throw new IOException("netlink receive failed: errno " + e);
        }
        ByteBuffer in = ByteBuffer.wrap(buffer, 0, (int) n).order(ByteOrder.nativeOrder());
        while (in.remaining() >= HEADER) {
            int start = in.position();
            int length = in.getInt();
            int type = in.getShort() & 0xffff;
            in.position(start + HEADER);
            if (length < HEADER || start + length > n) {
                throw new IOException("malformed netlink message from the kernel");
            }
            int end = start + length;
            Map<Integer, byte[]> attrs = new HashMap<>();
            int command = -1;
            if (type != NLMSG_ERROR && type != NLMSG_DONE && length >= HEADER + GENL_HEADER) {
                command = in.get() & 0xff;
                in.position(start + HEADER + GENL_HEADER);
                readAttributes(in, end, attrs);
            }
            into.accept(new Message(type, command, attrs));
            in.position(Math.min((int) n, align(end)));
        }
        return true;
    }

    /** Netlink's message type of an error or acknowledgement. */
    public static boolean isError(Message m) {
        return m.type() == NLMSG_ERROR;
    }

    private static void readAttributes(ByteBuffer in, int end, Map<Integer, byte[]> into) {
        while (in.position() + 4 <= end) {
            int start = in.position();
            int len = in.getShort() & 0xffff;
            int type = in.getShort() & 0x3fff; // without the nested / byte-order flags
            if (len < 4 || start + len > end) {
                return;
            }
            byte[] value = new byte[len - 4];
            in.get(value);
            into.putIfAbsent(type, value);
            in.position(Math.min(end, align(start + len)));
        }
    }

    private static byte[] encode(int family, int command, int version, List<Attribute> attributes, int seq, int flags) {
        int length = HEADER + GENL_HEADER;
        for (Attribute a : attributes) {
            length += align(4 + a.value().length);
        }
        ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        out.putInt(length).putShort((short) family).putShort((short) flags).putInt(seq).putInt(0);
        out.put((byte) command).put((byte) version).putShort((short) 0);
        for (Attribute a : attributes) {
            out.putShort((short) (4 + a.value().length)).putShort((short) a.type()).put(a.value());
            out.position(align(out.position()));
        }
        return out.array();
    }

    private static int align(int n) {
        return (n + 3) & ~3;
    }

    private static int errno() {
        return LastError.getLastError(Runtime.getRuntime(SocketCalls.INSTANCE));
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            libc.close(fd);
        }
    }

    /** One netlink attribute: type and raw value. */
    public record Attribute(int type, byte[] value) {

        public static Attribute u32(int type, long value) {
            return new Attribute(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt((int) value).array());
        }

        /** A NUL-terminated string (what nlctrl asks for; hwsim reads up to the NUL). */
        public static Attribute string(int type, String value) {
            byte[] s = value.getBytes(StandardCharsets.UTF_8);
            byte[] withNul = new byte[s.length + 1];
            System.arraycopy(s, 0, withNul, 0, s.length);
            return new Attribute(type, withNul);
        }

        public static Attribute flag(int type) {
            return new Attribute(type, new byte[0]);
        }

        public static Attribute bytes(int type, byte[] value) {
            return new Attribute(type, value);
        }
    }

    /** The kernel's answer: the acknowledgement's code and the attributes of its replies. */
    public record Reply(int code, Map<Integer, byte[]> attributes) {

        public Optional<byte[]> attribute(int type) {
            return Optional.ofNullable(attributes.get(type));
        }
    }
}
