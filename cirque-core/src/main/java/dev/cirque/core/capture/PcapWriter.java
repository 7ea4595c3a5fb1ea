package dev.cirque.core.capture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A capture file in the classic pcap format (what tcpdump writes and Wireshark and tshark
 * read): a global header, then per frame its time, its length and its bytes. Each record
 * is flushed, so a capture can be read while it runs.
 */
public final class PcapWriter implements AutoCloseable {

    /** IEEE 802.15.4 frames that end with their FCS, as OpenThread's simulator sends them. */
    public static final int LINKTYPE_IEEE802_15_4_WITHFCS = 195;
    /** 802.11 frames behind a radiotap header (what a monitor interface captures). */
    public static final int LINKTYPE_IEEE802_11_RADIOTAP = 127;
    private static final Logger log = LoggerFactory.getLogger(PcapWriter.class);

    private final OutputStream out;
    private final Path file;
    private boolean failed;

    private PcapWriter(Path file, OutputStream out) {
        this.file = file;
        this.out = out;
    }

    public static PcapWriter create(Path file, int linkType) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file));
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(linkType);
        out.write(h.array());
        out.flush();
        return new PcapWriter(file, out);
    }

    /** Appends one frame, stamped now. */
    public synchronized void write(byte[] frame, int offset, int length) {
        if (failed) {
            return;
        }
        Instant now = Instant.now();
        ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt((int) now.getEpochSecond()).putInt(now.getNano() / 1000).putInt(length).putInt(length);
        try {
            out.write(r.array());
            out.write(frame, offset, length);
            out.flush();
        } catch (IOException e) {
            failed = true;
            log.warn("capture {} stopped: {}", file, e.toString());
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            log.debug("closing capture {}: {}", file, e.toString());
        }
    }
}
