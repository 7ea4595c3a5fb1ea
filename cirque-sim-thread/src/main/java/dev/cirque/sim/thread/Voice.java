package dev.cirque.sim.thread;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;

/**
 * The socket that speaks for {@code sender} in {@code group}: the simulator knows a frame's
 * sender by the port it came from ({@code group + sender}), so the relay sends from that port.
 */
record Voice(int group, int sender) {

    /** Bound to the sender's port on loopback, multicasting there. */
    DatagramChannel open(NetworkInterface loopback) {
        try {
            DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
            try {
                ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, loopback);
                ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), group + sender));
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot speak for node id " + sender + " in group " + group, e);
        }
    }
}
