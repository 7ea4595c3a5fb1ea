package dev.cirque.sim.thread;

import dev.cirque.core.capture.CapturingMedium;
import dev.cirque.core.capture.HomeCaptures;
import dev.cirque.core.capture.PcapWriter;
import dev.cirque.core.link.DueScheduler;
import dev.cirque.core.link.Impairment;
import dev.cirque.core.link.LinkModel;
import dev.cirque.core.recording.FrameFate;
import dev.cirque.core.recording.FrameTap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Thread radio medium: every 802.15.4 frame of a home passes through the daemon. Each
 * simulated radio has a port group of its own ({@link ThreadNetworks}), so it hears only
 * what this relay sends it. The relay listens on each radio's group, takes the frames the
 * radio sends (those from its own port, {@code group + id}), and hands each to every other
 * radio of the same network (home and petition) whose link from the sender is up, after
 * the link's loss draw and delay: into the receiver's group, from port
 * {@code receiver's group + sender's id}, which is how the simulator learns who sent it.
 * Default: everyone hears everyone, at once, as OpenThread's own shared medium did. One
 * thread selects over every radio's socket; delayed frames go out from a scheduler.
 * Conditions are the home's {@link LinkModel} snapshot, read per frame without a lock.
 */
public final class ThreadMedium implements CapturingMedium {

    public static final String NAME = "thread";
    private static final Logger log = LoggerFactory.getLogger(ThreadMedium.class);
    private static final InetAddress GROUP = ThreadNetworks.GROUP;

    /** A radio as the medium knows it. */
    private record Radio(String homeId, String nodeId, String network, int group, int id, DatagramChannel rx) {}

    private final Map<String, Radio> radios = new ConcurrentHashMap<>(); // by home/node
    private final Map<String, Set<Radio>> byNetwork = new ConcurrentHashMap<>(); // who hears whom, per frame
    private final Map<Voice, DatagramChannel> voices = new ConcurrentHashMap<>();
    private final ThreadAir air = new ThreadAir();
    private final HomeCaptures captures;
    private final Queue<Radio> toRegister = new ConcurrentLinkedQueue<>();
    private final AtomicLong frames = new AtomicLong();
    private final NetworkInterface loopback;
    private Selector selector;
    private Thread loop;
    private DueScheduler later;
    private volatile boolean closed;
    private volatile FrameTap recorder = FrameTap.NONE;

    /** @param captureDir where homes' captures are written */
    public ThreadMedium(Path captureDir) {
        this.captures = new HomeCaptures(captureDir, "thread", PcapWriter.LINKTYPE_IEEE802_15_4_WITHFCS);
        try {
            loopback = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
        } catch (SocketException e) {
            throw new UncheckedIOException("no loopback interface for the Thread medium", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public java.util.Optional<dev.cirque.core.space.RadioProfile> radio() {
        return java.util.Optional.of(dev.cirque.core.space.RadioProfile.IEEE_802_15_4);
    }

    /**
     * Puts a radio on the medium: from now on what it sends is relayed, and it hears what
     * the relay sends it.
     *
     * @param network its Thread network ({@link ThreadNetworks#network}): only radios of the
     *     same network hear each other
     * @param portOffset its own port group's offset; {@code id} its node id
     */
    public synchronized void join(String homeId, String nodeId, String network, int portOffset, int id)
            throws IOException {
        start();
        int group = ThreadNetworks.basePort(portOffset);
        DatagramChannel rx = ThreadNetworks.listen(group, loopback);
        Radio radio = new Radio(homeId, nodeId, network, group, id, rx);
        radios.put(key(homeId, nodeId), radio);
        byNetwork.computeIfAbsent(network, n -> ConcurrentHashMap.newKeySet()).add(radio);
        toRegister.add(radio);
        selector.wakeup();
        log.debug("thread medium: {} of home {} joined (group {}, id {})", nodeId, homeId, group, id);
    }

    /** Takes a radio off the medium and closes every socket that spoke to it or for it. */
    public synchronized void leave(String homeId, String nodeId) {
        Radio radio = radios.remove(key(homeId, nodeId));
        if (radio == null) {
            return;
        }
        byNetwork.computeIfPresent(radio.network(), (n, members) -> {
            members.remove(radio);
            return members.isEmpty() ? null : members;
        });
        close(radio.rx());
        voices.entrySet().removeIf(e -> {
            boolean involved = e.getKey().group() == radio.group()
                    || (e.getKey().sender() == radio.id() && sameNetwork(e.getKey().group(), radio.network()));
            if (involved) {
                close(e.getValue());
            }
            return involved;
        });
        if (radios.values().stream().noneMatch(r -> r.homeId().equals(homeId))) {
            air.forget(homeId);
            captures.forget(homeId);
        }
    }

    private boolean sameNetwork(int group, String network) {
        return byNetwork.getOrDefault(network, Set.of()).stream().anyMatch(r -> r.group() == group);
    }

    @Override
    public void attach(MediumNode node, LinkModel.Snapshot snapshot) {
        air.apply(node.homeId(), snapshot);
    }

    @Override
    public void detach(String homeId, String nodeId) {
        // The radio leaves with its capability's teardown; a node without one was never here.
    }

    @Override
    public void apply(String homeId, LinkModel.Snapshot snapshot) {
        air.apply(homeId, snapshot);
    }

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
        return radios.values().stream().anyMatch(r -> r.homeId().equals(homeId));
    }

    /** Frames relayed and dropped on each directed link of the home since its first radio joined. */
    public Map<LinkModel.Link, long[]> linkCounts(String homeId) {
        return air.linkCounts(homeId);
    }

    /** Data polls (MAC data requests: a sleepy child asking its parent) each radio of the home sent, by node id. */
    public Map<String, Long> polls(String homeId) {
        return air.polls(homeId);
    }

    /** Frames sent by all radios since start. */
    public long framesSeen() {
        return frames.get();
    }

    /** Radios of a home on the medium. */
    public List<String> nodes(String homeId) {
        return radios.values().stream().filter(r -> r.homeId().equals(homeId)).map(Radio::nodeId).sorted().toList();
    }

    // --- the relay ---------------------------------------------------------------------------

    private void start() throws IOException {
        if (loop != null) {
            return;
        }
        selector = Selector.open();
        later = new DueScheduler("thread-medium-later");
        loop = new Thread(this::relay, "thread-medium");
        loop.setDaemon(true);
        loop.start();
    }

    private void relay() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
        while (!closed) {
            try {
                selector.select();
                for (Radio r = toRegister.poll(); r != null; r = toRegister.poll()) {
                    if (r.rx().isOpen()) {
                        r.rx().register(selector, SelectionKey.OP_READ, r);
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Radio from = (Radio) key.attachment();
                    if (!key.isValid()) {
                        continue;
                    }
                    for (int i = 0; i < 64; i++) { // drain, within reason, before the next select
                        buffer.clear();
                        InetSocketAddress source = (InetSocketAddress) from.rx().receive(buffer);
                        if (source == null) {
                            break;
                        }
                        // What the radio sent comes from its own port; the rest is this relay's.
                        if (source.getPort() == from.group() + from.id()) {
                            buffer.flip();
                            byte[] frame = new byte[buffer.remaining()];
                            buffer.get(frame);
                            forward(from, frame);
                        }
                    }
                }
                selector.selectedKeys().clear();
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    log.warn("thread medium: {}", e.toString());
                }
            }
        }
    }

    private void forward(Radio from, byte[] frame) {
        frames.incrementAndGet();
        PcapWriter capture = captures.writer(from.homeId());
        if (capture != null && frame.length > 1) {
            capture.write(frame, 1, frame.length - 1); // the first byte is the channel
        }
        ThreadAir.Transmission sent = air.sent(from.homeId(), from.network(), from.nodeId(), frame);
        FrameFate fate = FrameFate.of(recorder, from.homeId(), "thread", PcapWriter.LINKTYPE_IEEE802_15_4_WITHFCS,
                from.nodeId());
        Radio answering = null;
        for (Radio to : byNetwork.getOrDefault(from.network(), Set.of())) {
            if (to == from) {
                continue;
            }
            long now = System.nanoTime();
            long due = air.decide(sent, from.nodeId(), to.nodeId(), now, fate);
            if (due == Impairment.DROPPED) {
                continue;
            }
            answering = to.nodeId().equals(sent.answeredFor()) ? to : answering;
            if (due <= now) {
                send(to, from.id(), frame);
            } else {
                later.at(due, () -> send(to, from.id(), frame));
            }
        }
        if (fate != null && frame.length > 1) {
            fate.record(frame, 1, frame.length - 1); // the first byte is the channel
        }
        // The frame is to arrive over a delayed link: its acknowledgement comes now (see ThreadAir).
        if (answering != null && air.acknowledged(sent, from.nodeId(), System.nanoTime())) {
            if (capture != null) {
                capture.write(sent.ackFrame(), 1, sent.ackFrame().length - 1);
            }
            if (fate != null) {
                fate.recordMade(sent.ackFrame(), 1, sent.ackFrame().length - 1, "acknowledgement made by cirque"
                        + " for " + answering.nodeId() + ", whose copy of the frame is delayed");
            }
            send(from, answering.id(), sent.ackFrame());
        }
    }

    /**
     * Into {@code to}'s group, from the port that names {@code senderId} there. A delayed frame
     * can come due after {@code to} left: then it goes nowhere, and no socket is opened for it
     * that its leaving would no longer close (CI found one left after a home's stop).
     */
    private void send(Radio to, int senderId, byte[] frame) {
        try {
            DatagramChannel voice;
            synchronized (this) {
                if (radios.get(key(to.homeId(), to.nodeId())) != to) {
                    return;
                }
                voice = voices.computeIfAbsent(new Voice(to.group(), senderId), v -> v.open(loopback));
            }
            voice.send(ByteBuffer.wrap(frame), new InetSocketAddress(GROUP, to.group()));
        } catch (IOException | UncheckedIOException e) {
            if (!closed && radios.containsValue(to)) {
                log.debug("thread medium: frame to {} lost: {}", to.nodeId(), e.toString());
            }
        }
    }

    /** Sockets open now (radios' and relay's), for tests and leak checks. */
    public int openSockets() {
        return radios.size() + voices.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        new ArrayList<>(radios.values()).forEach(r -> leave(r.homeId(), r.nodeId()));
        voices.values().forEach(ThreadMedium::close);
        voices.clear();
        captures.close();
        if (loop != null) {
            selector.wakeup();
            later.stop();
            try {
                loop.join(2000);
                selector.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                log.debug("closing the thread medium's selector: {}", e.toString());
            }
        }
    }

    private static String key(String homeId, String nodeId) {
        return homeId + "/" + nodeId;
    }

    private static void close(DatagramChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("closing a thread medium socket: {}", e.toString());
        }
    }
}
