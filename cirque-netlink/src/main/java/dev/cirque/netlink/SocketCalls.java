package dev.cirque.netlink;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc socket calls a netlink client needs, bound with jnr-ffi (public: jnr-ffi
 * implements it in a loader of its own). Shared by the WiFi radios (generic netlink) and
 * the IP shaper (nfnetlink_queue).
 */
public interface SocketCalls {

    int AF_NETLINK = 16;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 02000000;
    int NETLINK_NETFILTER = 12;
    int NETLINK_GENERIC = 16;
    int SOL_SOCKET = 1;
    int SO_RCVTIMEO = 20;
    int SO_RCVBUFFORCE = 33;
    int SOL_NETLINK = 270;
    int NETLINK_NO_ENOBUFS = 5;
    int ENOBUFS = 105;
    int EINTR = 4;
    int EAGAIN = 11;

    SocketCalls INSTANCE = LibraryLoader.create(SocketCalls.class).load("c");

    // Buffers are Java arrays (copied around each call): a natively allocated buffer whose
    // Java handle became unreachable could be freed by the GC while the call still uses it.

    int socket(int domain, int type, int protocol);

    int bind(int fd, @In byte[] address, int length);

    int setsockopt(int fd, int level, int option, @In byte[] value, int length);

    @ssize_t long send(int fd, @In byte[] buf, @size_t long length, int flags);

    @ssize_t long recv(int fd, @Out byte[] buf, @size_t long length, int flags);

    int close(int fd);
}
