package dev.cirque.core.recording;

import dev.cirque.core.host.HostLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's flight recorder: a {@link HomeRecording} per home from its creation, and the
 * recordings of stopped homes kept for a while (at most {@link #KEPT}). Every home's frames
 * come out of one pool of {@code totalBytes}: when it is full, the oldest stopped homes'
 * recordings are let go first, then a live home lets its own oldest frames go (counted in its
 * summary).
 */
public final class Recordings implements FrameTap, FrameRing.Pool, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Recordings.class);
    /** A home's recording unless told otherwise ({@code --recording-bytes}). */
    public static final long DEFAULT_BYTES = 64L << 20;
    /** Stopped homes' recordings kept at most. */
    public static final int KEPT = 16;

    private final long bytesPerHome;
    private final long totalBytes;
    private final HostLedger ledger;
    private final Optional<Path> dumpcap;
    private final Map<String, HomeRecording> live = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, HomeRecording> kept = new LinkedHashMap<>(); // oldest first, guarded by this
    private long held; // guarded by this: frames' bytes of every recording, live and kept

    /**
     * @param bytesPerHome a home's share (0: no recording)
     * @param totalBytes   the most all recordings, live and kept, reserve together
     */
    public Recordings(long bytesPerHome, long totalBytes, HostLedger ledger) {
        if (bytesPerHome < 0 || totalBytes < 0) {
            throw new IllegalArgumentException("recording sizes are 0 or more bytes");
        }
        this.bytesPerHome = bytesPerHome;
        this.totalBytes = totalBytes;
        this.ledger = ledger;
        this.dumpcap = bytesPerHome > 0 ? IpCapture.dumpcap() : Optional.empty();
        if (bytesPerHome > 0 && dumpcap.isEmpty()) {
            log.warn("no dumpcap on this host (Debian: apt-get install wireshark-common): recordings hold the"
                    + " Thread and WiFi media and the events, not the IP networks' frames");
        }
    }

    /** No recording at all. */
    public static Recordings off() {
        return new Recordings(0, 0, null);
    }

    /** The total a daemon with {@code maxHeap} bytes of heap allows its recordings unless told: a quarter. */
    public static long defaultTotal(long maxHeap) {
        return Math.max(DEFAULT_BYTES, maxHeap / 4);
    }

    public boolean on() {
        return bytesPerHome > 0;
    }

    public long bytesPerHome() {
        return bytesPerHome;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Starts the home's recording (none when recording is off). */
    public Optional<HomeRecording> begin(String homeId) {
        if (!on()) {
            return Optional.empty();
        }
        HomeRecording r = new HomeRecording(homeId, bytesPerHome, this);
        live.put(homeId, r);
        return Optional.of(r);
    }

    /**
     * Called by a ring under its own lock. A kept recording let go here is released (its ring
     * locked) outside this object's lock, so that no ring waits for this lock while holding its own.
     */
    @Override
    public boolean take(long bytes) {
        while (true) {
            HomeRecording oldest;
            synchronized (this) {
                if (held + bytes <= totalBytes) {
                    held += bytes;
                    return true;
                }
                if (kept.isEmpty()) {
                    return false;
                }
                oldest = removeOldestKept();
            }
            oldest.frames().release();
        }
    }

    @Override
    public synchronized void give(long bytes) {
        held -= bytes;
    }

    /** Bytes of frames all recordings hold now. */
    public synchronized long heldBytes() {
        return held;
    }

    /**
     * Captures every frame on the host interface {@code iface} (the bridge of the home's
     * network {@code network}) into its recording; nothing when the home is not recorded or
     * the host has no dumpcap (said once at start).
     */
    public void captureBridge(String homeId, String network, String iface) {
        HomeRecording r = live.get(homeId);
        if (r == null || dumpcap.isEmpty()) {
            return;
        }
        if (!Files.exists(Path.of("/sys/class/net", iface))) {
            log.info("home {}: network {} has no bridge {} on this host: its frames are not recorded", homeId,
                    network, iface);
            return;
        }
        int ringIface = r.frames().iface(network, Pcapng.LINKTYPE_ETHERNET, "the home's network " + network
                + " (bridge " + iface + ")");
        try {
            r.add(IpCapture.start(dumpcap.get(), iface, r.frames(), ringIface, ledger));
        } catch (IOException e) {
            log.warn("home {}: cannot capture {}: {}", homeId, iface, e.toString());
        }
    }

    /** How long a node's capture may take to open its interface before the node is handed out anyway. */
    private static final java.time.Duration CAPTURE_START = java.time.Duration.ofSeconds(10);

    /**
     * Captures every frame on the node's own interface {@code iface} (in the network namespace
     * of process {@code namespacePid}) into its home's recording, as the ring's interface
     * {@code name}: for networks without a host bridge (ipvlan, macvlan), where each node's
     * interface is the only place its frames pass. Empty when nothing is captured.
     */
    public Optional<IpCapture> captureNode(String homeId, String name, String description, long namespacePid,
            String iface) {
        HomeRecording r = live.get(homeId);
        if (r == null || dumpcap.isEmpty()) {
            return Optional.empty();
        }
        int ringIface = r.frames().iface(name, Pcapng.LINKTYPE_ETHERNET, description);
        try {
            IpCapture c = IpCapture.startInNamespace(dumpcap.get(), namespacePid, iface, name, r.frames(), ringIface,
                    ledger);
            r.add(c);
            // The node's frames start as soon as it is handed out: the capture must be open by then.
            if (!c.awaitCapturing(CAPTURE_START)) {
                log.warn("home {}: the capture of {} was not open within {} s: {}", homeId, name,
                        CAPTURE_START.toSeconds(), c.describe());
            }
            return Optional.of(c);
        } catch (IOException e) {
            log.warn("home {}: cannot capture {}: {}", homeId, name, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public FrameRing ring(String homeId) {
        HomeRecording r = live.get(homeId);
        return r == null ? null : r.frames();
    }

    /** The home's recording, live or kept after its stop. */
    public synchronized Optional<HomeRecording> find(String homeId) {
        HomeRecording r = live.get(homeId);
        return Optional.ofNullable(r != null ? r : kept.get(homeId));
    }

    /** The recording of a home that is live now, for its events and logs. */
    public Optional<HomeRecording> live(String homeId) {
        return Optional.ofNullable(live.get(homeId));
    }

    /** The home stopped: its recording ends and is kept, the oldest kept let go beyond {@link #KEPT}. */
    public void end(String homeId) {
        HomeRecording r = live.remove(homeId);
        if (r == null) {
            return;
        }
        r.end();
        List<HomeRecording> letGo = new ArrayList<>();
        synchronized (this) {
            kept.put(homeId, r);
            while (kept.size() > KEPT) {
                letGo.add(removeOldestKept());
            }
        }
        letGo.forEach(old -> old.frames().release());
    }

    /** A home nobody saw (a spare stopped unused): its recording goes with it. */
    public void discard(String homeId) {
        HomeRecording r = live.remove(homeId);
        if (r != null) {
            r.end();
            r.frames().release();
        }
    }

    /** Homes whose recordings are kept after their stop, oldest first. */
    public synchronized List<String> keptHomes() {
        return new ArrayList<>(kept.keySet());
    }

    /** Under this lock; the caller releases its frames after it. */
    private HomeRecording removeOldestKept() {
        String oldest = kept.keySet().iterator().next();
        log.debug("recording of stopped home {} let go to make room", oldest);
        return kept.remove(oldest);
    }

    /** Ends every live recording's captures. */
    @Override
    public void close() {
        new ArrayList<>(live.keySet()).forEach(this::end);
    }
}
