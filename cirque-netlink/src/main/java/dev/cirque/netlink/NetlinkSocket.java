package dev.cirque.netlink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/**
 * A raw netlink socket of one protocol (generic netlink for the WiFi radios, netfilter for
 * the IP shaper's queue): opened, bound, tuned, and datagrams sent and received, with the
 * errno of what failed. What the datagrams hold is {@link NetlinkCodec}'s.
 */
public final class NetlinkSocket implements AutoCloseable {

    public static final int EADDRINUSE = 98;

    private final SocketCalls libc = SocketCalls.INSTANCE;
    private final int fd;
    private final String what;
    private volatile boolean closed;

    private NetlinkSocket(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    /** A socket of {@code protocol} ({@link SocketCalls#NETLINK_GENERIC} ...); {@code what} names it in errors. */
    public static NetlinkSocket open(int protocol, String what) throws IOException {
        int fd = SocketCalls.INSTANCE.socket(SocketCalls.AF_NETLINK, SocketCalls.SOCK_RAW | SocketCalls.SOCK_CLOEXEC,
                protocol);
        if (fd < 0) {
            throw new IOException("cannot open a " + what + " socket: errno " + errno());
        }
        return new NetlinkSocket(fd, what);
    }

    /** Binds to {@code portId} (0: the kernel picks); answers 0, or the errno it failed with. */
    public int bind(int portId) {
        byte[] address = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
                .putShort((short) SocketCalls.AF_NETLINK).putShort((short) 0).putInt(portId).putInt(0).array();
        return libc.bind(fd, address, address.length) == 0 ? 0 : errno();
    }

    public void option(int level, int name, byte[] value) throws IOException {
        if (libc.setsockopt(fd, level, name, value, value.length) != 0) {
            throw new IOException("cannot set option " + name + " of a " + what + " socket: errno " + errno());
        }
    }

    /** An int option in this machine's byte order. */
    public void option(int level, int name, int value) throws IOException {
        option(level, name, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    /** How long a receive waits before it answers EAGAIN. */
    public void receiveTimeout(long seconds, long micros) throws IOException {
        option(SocketCalls.SOL_SOCKET, SocketCalls.SO_RCVTIMEO,
                ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(seconds).putLong(micros).array());
    }

    /** Sends one datagram whole. */
    public void send(byte[] message, String purpose) throws IOException {
        if (closed) {
            throw new IOException("the " + what + " socket is closed");
        }
        if (libc.send(fd, message, message.length, 0) != message.length && !closed) {
            throw new IOException(purpose + " failed: errno " + errno());
        }
    }

    /** Receives one datagram into {@code buffer}: its length, or minus the errno (EAGAIN at the timeout). */
    public int receive(byte[] buffer) {
        long n = libc.recv(fd, buffer, buffer.length, 0);
        return n >= 0 ? (int) n : -errno();
    }

    public boolean isClosed() {
        return closed;
    }

    /** The errno of this thread's last failed call. */
    public static int errno() {
        return LastError.getLastError(Runtime.getRuntime(SocketCalls.INSTANCE));
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            libc.close(fd);
        }
    }
}
