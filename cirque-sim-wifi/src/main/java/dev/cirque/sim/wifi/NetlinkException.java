package dev.cirque.sim.wifi;

/** A netlink request the kernel refused, with the errno it answered. */
public final class NetlinkException extends Exception {

    public static final int ENOENT = 2;
    public static final int EPERM = 1;
    public static final int ENODEV = 19;
    public static final int EEXIST = 17;
    public static final int EBUSY = 16;

    private final int errno;

    public NetlinkException(String message, int errno) {
        super(message + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
