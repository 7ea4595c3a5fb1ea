package dev.cirque.sim.wifi;

import dev.cirque.netlink.NetlinkCodec;
import dev.cirque.core.capture.CapturingMedium;
import dev.cirque.core.capture.HomeCaptures;
import dev.cirque.core.capture.PcapWriter;
import dev.cirque.core.link.DueScheduler;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.recording.FrameFate;
import dev.cirque.core.recording.FrameTap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon as mac80211_hwsim's medium (what wmediumd is to Mininet-WiFi), with the link API's
 * name {@code wifi}. Registered with hwsim ({@code HWSIM_CMD_REGISTER}) when the first radio
 * joins, it gets every frame any radio of this network namespace's group sends
 * ({@code HWSIM_CMD_FRAME}), and nothing reaches a radio unless it passes it on: to the radios
 * of the sender's home only, as {@link WifiAir} decides, each with its signal, then the
 * transmit status back to the sender ({@code HWSIM_CMD_TX_INFO_FRAME}, acknowledged or not).
 * When its socket closes (the daemon stops or is killed) hwsim goes back to delivering to all,
 * and the radios it made go with the daemon's other socket.
 *
 * <p>One host, one medium: a second registration is refused by the kernel (another daemon, a
 * wmediumd), and WiFi radios are then refused with that reason.
 */
public final class HwsimMedium implements CapturingMedium {

    public static final String NAME = "wifi";
    private static final Logger log = LoggerFactory.getLogger(HwsimMedium.class);

    private static final int CMD_REGISTER = 1;
    private static final int CMD_FRAME = 2;
    private static final int CMD_TX_INFO_FRAME = 3;
    private static final int ATTR_ADDR_RECEIVER = 1;
    private static final int ATTR_ADDR_TRANSMITTER = 2;
    private static final int ATTR_FRAME = 3;
    private static final int ATTR_FLAGS = 4;
    private static final int ATTR_RX_RATE = 5;
    private static final int ATTR_SIGNAL = 6;
    private static final int ATTR_TX_INFO = 7;
    private static final int ATTR_COOKIE = 8;
    private static final int ATTR_FREQ = 19;
    private static final int TX_CTL_NO_ACK = 1 << 1;
    private static final int TX_STAT_ACK = 1 << 2;
    /** Room for a burst of frames while the reader is busy: the kernel drops what does not fit. */
    private static final int RECEIVE_BUFFER = 8 << 20;

    private final WifiAir air = new WifiAir();
    private final HomeCaptures captures;
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong unknownSenders = new AtomicLong();
    /** How long the medium took per frame (receipt to last send), for frames it did not delay. */
    private final long[] handling = new long[4096];
    private int handled;
    private volatile GenericNetlink socket;
    private int family;
    private Thread reader;
    private DueScheduler later;
    private volatile boolean closed;
    private volatile FrameTap recorder = FrameTap.NONE;

    /** @param captureDir where homes' captures are written */
    public HwsimMedium(Path captureDir) {
        this.captures = new HomeCaptures(captureDir, "wifi", PcapWriter.LINKTYPE_IEEE802_11_RADIOTAP);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public java.util.Optional<dev.cirque.core.space.RadioProfile> radio() {
        return java.util.Optional.of(dev.cirque.core.space.RadioProfile.IEEE_802_11);
    }

    /**
     * Puts a node's radio on the air of its home, registering the medium with hwsim first if
     * it is not yet.
     *
     * @throws IOException when hwsim refuses the registration (another medium holds it)
     */
    public void join(String homeId, String nodeId, Radio radio) throws IOException {
        register();
        air.add(homeId, nodeId, radio.mac());
        log.debug("wifi medium: radio {} of node {} on the air of home {}", radio, nodeId, homeId);
    }

    /** Takes a radio off the air; the home's capture goes with its last radio. */
    public void leave(Radio radio) {
        WifiAir.Station s = air.station(radio.mac());
        air.remove(radio.mac());
        if (s != null && !air.hasHome(s.homeId())) {
            captures.forget(s.homeId());
        }
    }

    private synchronized void register() throws IOException {
        if (socket != null) {
            return;
        }
        GenericNetlink nl = GenericNetlink.open(1, RECEIVE_BUFFER);
        try {
            family = nl.family(Hwsim.FAMILY).orElseThrow(() -> new IOException("the kernel has no mac80211_hwsim"));
            nl.request(family, CMD_REGISTER, 1, List.of());
        } catch (NetlinkException e) {
            nl.close();
            throw new IOException(e.errno() == NetlinkException.EBUSY
                    ? "another process is already this host's WiFi medium (a wmediumd, or another cirque daemon):"
                            + " hwsim takes one per host, so this daemon cannot keep its homes' air apart"
                    : "hwsim refused the medium's registration: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            nl.close();
            throw e;
        }
        socket = nl;
        later = new DueScheduler("cirque-wifi-later");
        reader = new Thread(() -> read(nl), "cirque-wifi-medium");
        reader.setDaemon(true);
        reader.setPriority(Thread.MAX_PRIORITY);
        reader.start();
        log.info("wifi medium: registered with mac80211_hwsim; radios hear only their own home's");
    }

    private void read(GenericNetlink mine) {
        byte[] buffer = new byte[256 * 1024];
        while (!closed && socket == mine) {
            try {
                mine.receive(buffer, this::onMessage);
            } catch (IOException e) {
                if (!closed) {
                    log.warn("wifi medium: {}", e.getMessage());
                }
            } catch (RuntimeException e) {
                log.error("wifi medium: a frame could not be handled", e);
            }
        }
    }

    private void onMessage(GenericNetlink.Message m) {
        if (m.type() != family || m.command() != CMD_FRAME) {
            return; // the kernel's answers to frames it could not take (a radio off channel): nothing to do
        }
        Map<Integer, byte[]> a = m.attributes();
        byte[] transmitter = a.get(ATTR_ADDR_TRANSMITTER);
        byte[] frame = a.get(ATTR_FRAME);
        byte[] cookie = a.get(ATTR_COOKIE);
        byte[] txInfo = a.get(ATTR_TX_INFO);
        if (transmitter == null || transmitter.length < 6 || frame == null || cookie == null || txInfo == null) {
            return;
        }
        long started = System.nanoTime();
        frames.incrementAndGet();
        int flags = u32(a.get(ATTR_FLAGS), 0);
        Integer freq = a.containsKey(ATTR_FREQ) ? u32(a.get(ATTR_FREQ), 0) : null;
        long addr1 = frame.length >= 10 ? Mac.of(frame, 4) : 0xffffffffffffL;
        WifiAir.Outcome o = air.transmit(Mac.of(transmitter), addr1, (flags & TX_CTL_NO_ACK) != 0, txInfo);
        if (o.sender() == null) {
            unknownSenders.incrementAndGet();
        } else {
            PcapWriter capture = captures.writer(o.sender().homeId());
            FrameFate fate = FrameFate.of(recorder, o.sender().homeId(), "wifi", PcapWriter.LINKTYPE_IEEE802_11_RADIOTAP,
                    o.sender().nodeId());
            if (capture != null || fate != null) {
                byte[] captured = radiotap(frame, freq, o.deliveries().isEmpty() ? WifiAir.DEFAULT_SIGNAL_DBM
                        : o.deliveries().get(0).signalDbm());
                if (capture != null) {
                    capture.write(captured, 0, captured.length);
                }
                if (fate != null) {
                    o.deliveries().forEach(d -> fate.to(d.receiver().nodeId(), false, null,
                            o.decidedAtNanos() + d.delayNanos(), o.decidedAtNanos()));
                    o.misses().forEach(miss -> fate.to(miss.receiver().nodeId(), true, miss.link(), 0, 0));
                    fate.record(captured, 0, captured.length);
                }
            }
        }
        int rate = Math.max(0, txInfo[0]);
        boolean delayed = false;
        for (WifiAir.Delivery d : o.deliveries()) {
            if (d.delayNanos() > 0) {
                delayed = true;
                later.at(o.decidedAtNanos() + d.delayNanos(), () -> deliver(d, frame, rate, freq));
            } else {
                deliver(d, frame, rate, freq);
            }
        }
        List<NetlinkCodec.Attribute> status = List.of(
                NetlinkCodec.Attribute.bytes(ATTR_ADDR_TRANSMITTER, transmitter),
                NetlinkCodec.Attribute.u32(ATTR_FLAGS, flags | (o.acked() ? TX_STAT_ACK : 0)),
                NetlinkCodec.Attribute.u32(ATTR_SIGNAL, o.ackSignalDbm()),
                NetlinkCodec.Attribute.bytes(ATTR_TX_INFO, o.attempts()),
                NetlinkCodec.Attribute.bytes(ATTR_COOKIE, cookie));
        if (o.statusDelayNanos() > 0) {
            later.at(o.decidedAtNanos() + o.statusDelayNanos(), () -> send(CMD_TX_INFO_FRAME, status));
        } else {
            send(CMD_TX_INFO_FRAME, status);
        }
        if (!delayed) {
            recordHandling(System.nanoTime() - started);
        }
    }

    private void deliver(WifiAir.Delivery d, byte[] frame, int rate, Integer freq) {
        List<NetlinkCodec.Attribute> attrs = new ArrayList<>(5);
        attrs.add(NetlinkCodec.Attribute.bytes(ATTR_ADDR_RECEIVER, Mac.bytes(d.receiver().mac())));
        attrs.add(NetlinkCodec.Attribute.bytes(ATTR_FRAME, frame));
        attrs.add(NetlinkCodec.Attribute.u32(ATTR_RX_RATE, rate));
        attrs.add(NetlinkCodec.Attribute.u32(ATTR_SIGNAL, d.signalDbm()));
        if (freq != null) {
            attrs.add(NetlinkCodec.Attribute.u32(ATTR_FREQ, freq)); // off-channel radios drop it, as in the air
        }
        deliveries.incrementAndGet();
        send(CMD_FRAME, attrs);
    }

    private void send(int command, List<NetlinkCodec.Attribute> attrs) {
        GenericNetlink s = socket;
        if (s == null) {
            return; // unregistered meanwhile: hwsim delivers by itself again
        }
        try {
            s.send(family, command, 1, attrs);
        } catch (IOException e) {
            if (!closed) {
                log.warn("wifi medium: {}", e.getMessage());
            }
        }
    }

    /**
     * A radiotap header (channel, antenna signal) before the frame: what a monitor interface
     * would have captured, so Wireshark and tshark decode it as 802.11.
     */
    static byte[] radiotap(byte[] frame, Integer freq, int signalDbm) {
        int headerLength = 13;
        ByteBuffer b = ByteBuffer.allocate(headerLength + frame.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0).put((byte) 0).putShort((short) headerLength);
        b.putInt((1 << 3) | (1 << 5)); // present: channel, dBm antenna signal
        int f = freq == null ? 0 : freq;
        b.putShort((short) f).putShort((short) (f >= 5000 ? 0x0100 : 0x0080)); // 5 GHz or 2 GHz spectrum
        b.put((byte) signalDbm);
        b.put(frame);
        return b.array();
    }

    private synchronized void recordHandling(long nanos) {
        handling[handled++ % handling.length] = nanos;
    }

    /** What the medium has done since it started. */
    public record Stats(long frames, long deliveries, long unknownSenders, long handlingP50Micros,
            long handlingP99Micros) {}

    public synchronized Stats stats() {
        int n = Math.min(handled, handling.length);
        long[] sorted = java.util.Arrays.copyOf(handling, n);
        java.util.Arrays.sort(sorted);
        return new Stats(frames.get(), deliveries.get(), unknownSenders.get(),
                n == 0 ? 0 : sorted[n / 2] / 1000, n == 0 ? 0 : sorted[Math.min(n - 1, n * 99 / 100)] / 1000);
    }

    /** Frames heard [0] and lost [1] on each directed link of the home. */
    public Map<LinkModel.Link, long[]> linkCounts(String homeId) {
        return air.linkCounts(homeId);
    }

    /** The radio of this address, if it is on the air: whose it is. */
    public Optional<WifiAir.Station> station(long mac) {
        return Optional.ofNullable(air.station(mac));
    }

    public List<WifiAir.Station> stations(String homeId) {
        return air.stations(homeId);
    }

    /** Captures of the home's 802.11 frames, with radiotap. */
    @Override
    public void recordThrough(FrameTap frames) {
        recorder = frames;
    }

    @Override
    public HomeCaptures captures() {
        return captures;
    }

    @Override
    public boolean carries(String homeId) {
        return air.hasHome(homeId);
    }

    /** Whether the medium is registered with hwsim now. */
    public synchronized boolean registered() {
        return socket != null;
    }

    @Override
    public void attach(MediumNode node, LinkModel.Snapshot conditions) {
        air.apply(node.homeId(), conditions); // its radio joined when it was made (join)
    }

    @Override
    public void detach(String homeId, String nodeId) {
        // its radio leaves the air when it is deleted (leave); a node powered off keeps it
    }

    @Override
    public void apply(String homeId, LinkModel.Snapshot conditions) {
        air.apply(homeId, conditions);
    }

    /**
     * Unregisters (hwsim delivers to all again) and stops capturing. The medium is one per
     * process (radios are a host-wide resource): a later {@link #join} registers it again.
     */
    @Override
    public synchronized void close() {
        captures.close();
        if (socket != null) {
            closed = true;
            later.stop();
            try {
                reader.join(3000); // it wakes within its 1 s receive timeout; then the fd can go
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            socket.close();
            socket = null;
            closed = false;
            log.info("wifi medium: unregistered from mac80211_hwsim");
        }
    }

    private static int u32(byte[] v, int otherwise) {
        return v == null || v.length < 4 ? otherwise : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt();
    }
}
