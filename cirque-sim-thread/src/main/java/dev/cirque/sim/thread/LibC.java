package dev.cirque.sim.thread;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few libc calls a PTY needs, bound with jnr-ffi. */
public interface LibC {

    int O_RDWR = 2;
    int O_NOCTTY = 0x100;
    int TCSANOW = 0;
    int EINTR = 4;
    int EAGAIN = 11;
    int EIO = 5;
    int F_GETFL = 3;
    int F_SETFL = 4;
    int O_NONBLOCK = 04000;

    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    int posix_openpt(int flags);

    int grantpt(int fd);

    int unlockpt(int fd);

    int ptsname_r(int fd, @Out byte[] buf, @size_t long buflen);

    int open(String path, int flags);

    int close(int fd);

    int fcntl(int fd, int cmd, int arg);

    @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);

    @ssize_t long write(int fd, byte[] buf, @size_t long count);

    // Buffers are Java arrays, copied to and from native memory around each call: a
    // natively allocated buffer whose Java handle is unreachable may be freed by the GC
    // while the call still uses it.

    int tcgetattr(int fd, @Out byte[] termios);

    int tcsetattr(int fd, int optionalActions, @In byte[] termios);

    void cfmakeraw(@In @Out byte[] termios);

    int poll(@In @Out byte[] fds, long nfds, int timeoutMs);
}
