package dev.cirque.sim.thread;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jnr.ffi.Runtime;

/**
 * A pseudo-terminal pair in raw mode: the daemon keeps the master; the slave's path
 * ({@code /dev/pts/N}) is what a node sees as its serial port. Raw mode matters: Spinel
 * frames are binary, and a line discipline would echo, translate CR/LF and eat control
 * characters. The daemon also keeps one slave descriptor open, so the terminal and its
 * settings live until {@link #close} even while nobody else has it open.
 *
 * <p>Reads and writes wait in bounded steps on a non-blocking master, under a read lock;
 * {@link #close} takes the write lock, so no thread is inside a call on a descriptor
 * number that closing could hand to another file.
 */
public final class Pty implements AutoCloseable {

    private static final LibC C = LibC.INSTANCE;
    private static final Runtime RUNTIME = Runtime.getRuntime(C);
    /** Larger than any platform's struct termios; only libc reads its fields. */
    private static final int TERMIOS_BYTES = 256;
    private static final short POLLIN = 1;
    private static final short POLLOUT = 4;
    /** The longest a call waits before looking again whether the terminal was closed. */
    private static final int STEP_MS = 200;

    private final int master;
    private final int slave;
    private final String slavePath;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private Pty(int master, int slave, String slavePath) {
        this.master = master;
        this.slave = slave;
        this.slavePath = slavePath;
    }

    /** Opens a new pair, slave in raw mode. */
    public static Pty open() throws IOException {
        int master = C.posix_openpt(LibC.O_RDWR | LibC.O_NOCTTY);
        if (master < 0) {
            throw new IOException("posix_openpt failed: errno " + errno());
        }
        int slave = -1;
        try {
            if (C.grantpt(master) != 0 || C.unlockpt(master) != 0) {
                throw new IOException("grantpt/unlockpt failed: errno " + errno());
            }
            int flags = C.fcntl(master, LibC.F_GETFL, 0);
            if (flags < 0 || C.fcntl(master, LibC.F_SETFL, flags | LibC.O_NONBLOCK) != 0) {
                throw new IOException("cannot make the PTY master non-blocking: errno " + errno());
            }
            byte[] name = new byte[128];
            if (C.ptsname_r(master, name, name.length) != 0) {
                throw new IOException("ptsname_r failed: errno " + errno());
            }
            String path = cString(name);
            slave = C.open(path, LibC.O_RDWR | LibC.O_NOCTTY);
            if (slave < 0) {
                throw new IOException("cannot open " + path + ": errno " + errno());
            }
            byte[] termios = new byte[TERMIOS_BYTES];
            if (C.tcgetattr(slave, termios) != 0) {
                throw new IOException("tcgetattr failed: errno " + errno());
            }
            C.cfmakeraw(termios);
            if (C.tcsetattr(slave, LibC.TCSANOW, termios) != 0) {
                throw new IOException("tcsetattr failed: errno " + errno());
            }
            return new Pty(master, slave, path);
        } catch (IOException | RuntimeException e) {
            if (slave >= 0) {
                C.close(slave);
            }
            C.close(master);
            throw e;
        }
    }

    /** The slave's path, e.g. {@code /dev/pts/7}. */
    public String slavePath() {
        return slavePath;
    }

    /**
     * Reads what the slave side wrote, waiting up to about {@value #STEP_MS} ms; returns the
     * count, 0 when nothing came, -1 once the terminal is closed.
     */
    public int read(byte[] buf) throws IOException {
        lock.readLock().lock();
        try {
            if (closed || !await(POLLIN)) {
                return closed ? -1 : 0;
            }
            long n = C.read(master, buf, buf.length);
            if (n > 0) {
                return (int) n;
            }
            int err = errno();
            if (n < 0 && (err == LibC.EINTR || err == LibC.EAGAIN)) {
                return 0;
            }
            if (n < 0 && err == LibC.EIO) {
                return 0; // no slave open for a moment; ours keeps the terminal itself alive
            }
            throw new IOException("read from the PTY master of " + slavePath + " failed: errno " + err);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Writes all of {@code buf[0..len)} for the slave side to read; stops early if closed. */
    public void write(byte[] buf, int len) throws IOException {
        int off = 0;
        while (off < len) {
            lock.readLock().lock();
            try {
                if (closed) {
                    return;
                }
                if (!await(POLLOUT)) {
                    continue;
                }
                byte[] chunk = off == 0 ? buf : Arrays.copyOfRange(buf, off, len);
                long n = C.write(master, chunk, len - off);
                if (n < 0) {
                    int err = errno();
                    if (err != LibC.EINTR && err != LibC.EAGAIN) {
                        throw new IOException("write to the PTY master of " + slavePath + " failed: errno " + err);
                    }
                } else {
                    off += (int) n;
                }
            } finally {
                lock.readLock().unlock();
            }
        }
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Closes both sides; {@code /dev/pts/N} disappears once no one else holds the slave. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                C.close(slave);
                C.close(master);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Waits up to one step for the master to be ready for {@code event}. */
    private boolean await(short event) throws IOException {
        // struct pollfd { int fd; short events; short revents; }, in the machine's byte order
        byte[] pfd = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())
                .putInt(master).putShort(event).putShort((short) 0).array();
        int ready = C.poll(pfd, 1, STEP_MS);
        if (ready < 0 && errno() != LibC.EINTR) {
            throw new IOException("poll on the PTY master of " + slavePath + " failed: errno " + errno());
        }
        return ready > 0;
    }

    private static int errno() {
        return RUNTIME.getLastError();
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }
}
