package dev.cirque.bench;

import dev.cirque.core.recording.FrameTap;
import dev.cirque.sim.thread.ThreadMedium;
import dev.cirque.sim.thread.ThreadNetworks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The cost of the Thread medium: {@value #HOMES} homes at once, each with a radio sending
 * {@value #RATE} frames/s to another, through the daemon's relay; the baseline is the same
 * traffic over OpenThread's own shared medium (sender and receiver in one port group, the
 * kernel's multicast loopback, no relay), in the same run. The radios open the sockets
 * OpenThread's simulator opens, so the relay sees what it sees with ot-rcp; frames carry
 * their send time. Figures: frames/s delivered, and delay per frame (p50, p99).
 */
final class ThreadRelayBench {

    static final int HOMES = 16;
    private static final int RATE = 1000;
    static final int SECONDS = 5;
    private static final int FIRST_OFFSET = 1550; // groups from port 61,700: above the ephemeral range
    private static final InetAddress GROUP = address("224.0.0.116");

    private final LinkBench.Rows rows;

    ThreadRelayBench(LinkBench.Rows rows) {
        this.rows = rows;
    }

    void run() throws Exception {
        Result direct = measure(false, FrameTap.NONE, RATE);
        Result relayed = measure(true, FrameTap.NONE, RATE);
        String load = HOMES + " homes x " + RATE + " frames/s";
        rows.row("Thread relay: frames/s delivered (" + load + ")", String.format(Locale.ROOT, "%.0f", relayed.rate),
                String.format(Locale.ROOT, "%.0f", direct.rate), ratio(relayed.rate / direct.rate), "", null);
        rows.row("Thread relay: delay per frame, p50", us(relayed.p50), us(direct.p50),
                "+" + us(relayed.p50 - direct.p50), "", null);
        rows.row("Thread relay: delay per frame, p99", us(relayed.p99), us(direct.p99),
                "+" + us(relayed.p99 - direct.p99), "<= +1 ms", relayed.p99 - direct.p99 <= 1_000_000);
        rows.row("Thread relay: frames lost", Long.toString(relayed.lost), Long.toString(direct.lost), "", "0",
                relayed.lost == 0);
    }

    /** What one run measured; {@code cpuNanos}: this process's CPU time over the run. */
    record Result(double rate, long p50, long p99, long lost, long cpuNanos) {}

    /**
     * {@value #HOMES} homes, each sending {@code rate} frames/s for {@value #SECONDS} s, through
     * the relay (its frames handed to {@code recorder}) or over the simulator's own medium.
     */
    static Result measure(boolean throughRelay, FrameTap recorder, int rate) throws Exception {
        Path captures = Files.createTempDirectory("thread-bench");
        ThreadMedium medium = new ThreadMedium(captures);
        medium.recordThrough(recorder);
        long cpu0 = cpuNanos();
        List<DatagramChannel> open = new ArrayList<>();
        List<Long> delays = Collections.synchronizedList(new ArrayList<>());
        long[] sent = new long[1];
        try {
            NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
            List<Thread> threads = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int h = 0; h < HOMES; h++) {
                int senderGroup = ThreadNetworks.basePort(FIRST_OFFSET + 2 * h);
                int receiverGroup = throughRelay ? ThreadNetworks.basePort(FIRST_OFFSET + 2 * h + 1) : senderGroup;
                if (throughRelay) {
                    medium.join("home" + h, "s", "home" + h + "/0", FIRST_OFFSET + 2 * h, 1);
                    medium.join("home" + h, "r", "home" + h + "/0", FIRST_OFFSET + 2 * h + 1, 2);
                }
                DatagramChannel rx = DatagramChannel.open(StandardProtocolFamily.INET);
                rx.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                rx.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                rx.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                rx.bind(new InetSocketAddress(GROUP, receiverGroup));
                rx.join(GROUP, lo);
                DatagramChannel tx = DatagramChannel.open(StandardProtocolFamily.INET);
                tx.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
                tx.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
                tx.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), senderGroup + 1));
                open.add(rx);
                open.add(tx);
                int ownPort = receiverGroup + 2;
                threads.add(new Thread(() -> receive(rx, ownPort, delays), "bench-rx-" + h));
                threads.add(new Thread(() -> send(tx, senderGroup, go, sent, rate), "bench-tx-" + h));
            }
            threads.forEach(Thread::start);
            go.countDown();
            for (Thread t : threads) {
                if (t.getName().startsWith("bench-tx")) {
                    t.join();
                }
            }
            long expected;
            synchronized (sent) {
                expected = sent[0];
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (delays.size() < expected && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // the last frames' delivery
            }
            List<Long> sorted;
            synchronized (delays) {
                sorted = new ArrayList<>(delays);
            }
            Collections.sort(sorted);
            return new Result(sorted.size() / (double) SECONDS, sorted.get(sorted.size() / 2),
                    sorted.get((int) (sorted.size() * 0.99)), expected - sorted.size(), cpuNanos() - cpu0);
        } finally {
            for (DatagramChannel ch : open) {
                ch.close(); // ends the receivers
            }
            medium.close();
            Files.deleteIfExists(captures);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void send(DatagramChannel tx, int group, CountDownLatch go, long[] sent, int rate) {
        ByteBuffer frame = ByteBuffer.allocate(64);
        InetSocketAddress to = new InetSocketAddress(GROUP, group);
        try {
            go.await();
            long start = System.nanoTime();
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            for (int i = 0; i < rate * SECONDS; i++) {
                long at = start + i * period;
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing to the rate, not synchronisation
                }
                frame.clear();
                frame.put((byte) 11).putLong(System.nanoTime()).position(64).flip();
                tx.send(frame, to);
                synchronized (sent) {
                    sent[0]++;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Frames into the receiver's group that the sender sent (its id in that group), not looped-back own ones. */
    private static void receive(DatagramChannel rx, int ownPort, List<Long> delays) {
        ByteBuffer buf = ByteBuffer.allocate(256);
        try {
            while (true) {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) rx.receive(buf);
                long now = System.nanoTime();
                if (from.getPort() == ownPort) {
                    continue;
                }
                buf.flip();
                if (buf.remaining() >= 9) {
                    buf.get();
                    delays.add(now - buf.getLong());
                }
            }
        } catch (IOException closed) {
            // the run is over
        }
    }

    private static String us(long nanos) {
        return String.format(Locale.ROOT, "%.0f us", nanos / 1000.0);
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
