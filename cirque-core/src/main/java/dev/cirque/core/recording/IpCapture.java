package dev.cirque.core.recording;

import dev.cirque.core.host.HostLedger;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every frame on one host interface (a home's bridge), as the Wireshark project's
 * {@code dumpcap} captures it, into a home's {@link FrameRing}. dumpcap writes classic pcap to
 * a pipe (flushed per packet there), read here frame by frame. The process is in the host
 * ledger while it runs, so that a daemon killed meanwhile leaves none behind the next start;
 * it also ends by itself when the pipe's reader goes.
 */
public final class IpCapture implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IpCapture.class);
    private static final String LEDGER_KIND = "dumpcap";
    /** dumpcap's closing word: {@code Packets received/dropped on interface 'br-x': 10/0 (...)}. */
    private static final Pattern STATS = Pattern.compile("received/dropped on interface '[^']*': (\\d+)/(\\d+)");

    private final String iface;
    private final Process process;
    private final HostLedger ledger;
    private final Thread reader;
    /** Counted down once dumpcap wrote its file header: it writes it once the interface is open. */
    private final java.util.concurrent.CountDownLatch capturing = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean closing;
    private volatile long frames;
    private volatile long kernelDropped = -1;
    private volatile String ended = "";

    private IpCapture(String iface, Process process, HostLedger ledger, FrameRing ring, int ringIface) {
        this.iface = iface;
        this.process = process;
        this.ledger = ledger;
        this.reader = new Thread(() -> read(ring, ringIface), "ip-capture-" + iface);
        reader.setDaemon(true);
    }

    /** Where dumpcap is, or empty when this host has none (Debian: wireshark-common). */
    public static java.util.Optional<Path> dumpcap() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "dumpcap");
            if (Files.isExecutable(p)) {
                return java.util.Optional.of(p);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Starts capturing {@code iface} into {@code ring} under the ring's interface {@code ringIface}.
     *
     * @throws IOException when dumpcap cannot be started
     */
    public static IpCapture start(Path dumpcap, String iface, FrameRing ring, int ringIface, HostLedger ledger)
            throws IOException {
        return start(List.of(), iface, iface, dumpcap, ring, ringIface, ledger);
    }

    /**
     * Starts capturing {@code iface} of the network namespace of process {@code namespacePid}
     * (a node's own interface, where no host bridge carries its frames). util-linux's
     * {@code nsenter} enters the namespace and becomes dumpcap, so the process ended and
     * ledgered is dumpcap itself.
     *
     * @param label how logs and the summary name it, say {@code eth0 of cirque-1a2b-node-3c4d}
     */
    public static IpCapture startInNamespace(Path dumpcap, long namespacePid, String iface, String label,
            FrameRing ring, int ringIface, HostLedger ledger) throws IOException {
        return start(List.of("nsenter", "--net=/proc/" + namespacePid + "/ns/net", "--"), iface, label, dumpcap, ring,
                ringIface, ledger);
    }

    private static IpCapture start(List<String> prefix, String iface, String label, Path dumpcap, FrameRing ring,
            int ringIface, HostLedger ledger) throws IOException {
        List<String> argv = new java.util.ArrayList<>(prefix);
        // -P: classic pcap, simple to read frame by frame; -q: no running count on stderr.
        argv.addAll(List.of(dumpcap.toString(), "-i", iface, "-P", "-q", "-w", "-"));
        Process p = new ProcessBuilder(argv).start();
        ledger.record(LEDGER_KIND, p.toHandle(), null);
        p.getOutputStream().close();
        IpCapture c = new IpCapture(label, p, ledger, ring, ringIface);
        c.reader.start();
        return c;
    }

    private void read(FrameRing ring, int ringIface) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16))) {
            byte[] header = new byte[24];
            in.readFully(header);
            capturing.countDown();
            boolean nanos = le32(header, 0) == 0xa1b23c4d;
            byte[] record = new byte[16];
            byte[] frame = new byte[1 << 18];
            while (true) {
                in.readFully(record);
                long seconds = le32(record, 0) & 0xffffffffL;
                long fraction = le32(record, 4) & 0xffffffffL;
                int length = le32(record, 8);
                if (length < 0 || length > frame.length) {
                    throw new IOException("a frame of " + length + " bytes in dumpcap's output");
                }
                in.readFully(frame, 0, length);
                ring.record(ringIface, seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000), frame, 0,
                        length, null);
                frames++;
            }
        } catch (EOFException e) {
            // dumpcap ended
        } catch (IOException e) {
            log.warn("IP capture of {}: {}", iface, e.toString());
        } finally {
            finish();
        }
    }

    /** What dumpcap said on stderr, its drop count read from it; logged when it ended on its own. */
    private void finish() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            String said = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            Matcher m = STATS.matcher(said);
            if (m.find()) {
                kernelDropped = Long.parseLong(m.group(2));
            }
            ended = said;
            if (process.exitValue() != 0 && !closing) {
                log.warn("IP capture of {} ended (exit {}): {}", iface, process.exitValue(), said);
            }
        } catch (IOException | IllegalThreadStateException e) {
            ended = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ledger.forget(LEDGER_KIND, process.pid());
        }
    }

    /**
     * Waits until dumpcap has the interface open (its file header came), so that no frame
     * after this returns is missed; false when it did not within {@code timeout} or ended.
     */
    public boolean awaitCapturing(java.time.Duration timeout) throws InterruptedException {
        return capturing.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && process.isAlive();
    }

    /** The interface captured, as the logs name it. */
    public String iface() {
        return iface;
    }

    /** Frames read from dumpcap so far. */
    public long frames() {
        return frames;
    }

    /** Frames the capture lost before dumpcap read them, as dumpcap counted them once it ended; -1 before. */
    public long kernelDropped() {
        return kernelDropped;
    }

    /** dumpcap's last words (its statistics), empty while it runs. */
    public String ended() {
        return ended;
    }

    /** Ends dumpcap (SIGTERM: it writes what it holds and its statistics) and waits for the last frame. */
    @Override
    public void close() {
        closing = true;
        process.destroy();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
            if (reader.isAlive()) {
                process.destroyForcibly();
                reader.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** For the summary: this capture in a few words. */
    public String describe() {
        return iface + ": " + frames + " frame(s) read" + (kernelDropped >= 0 ? ", " + kernelDropped
                + " dropped before dumpcap read them" : "") + (ended.isEmpty() ? "" : "; dumpcap said: "
                + String.join(" | ", List.of(ended.split("\n"))));
    }
}
