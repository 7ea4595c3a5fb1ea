package dev.cirque.core.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One medium's captures, a pcap file per home ({@code HOME-SUFFIX.pcap}): started, stopped,
 * found for download. A capture started again starts over; its file stays after a stop,
 * until the medium forgets the home.
 */
public final class HomeCaptures implements AutoCloseable {

    private final Path dir;
    private final String suffix;
    private final int linkType;
    private final Map<String, PcapWriter> running = new ConcurrentHashMap<>(); // by home

    /**
     * @param suffix   the file name's part after the home id ({@code thread}, {@code wifi})
     * @param linkType the frames' pcap link type ({@link PcapWriter#LINKTYPE_IEEE802_11_RADIOTAP} ...)
     */
    public HomeCaptures(Path dir, String suffix, int linkType) {
        this.dir = dir;
        this.suffix = suffix;
        this.linkType = linkType;
    }

    public synchronized Path start(String homeId) throws IOException {
        Path file = file(homeId);
        stop(homeId);
        running.put(homeId, PcapWriter.create(file, linkType));
        return file;
    }

    /** False when none ran. */
    public synchronized boolean stop(String homeId) {
        PcapWriter w = running.remove(homeId);
        if (w != null) {
            w.close();
        }
        return w != null;
    }

    /** The running capture of the home, or null: what a medium's hot path asks. */
    public PcapWriter writer(String homeId) {
        return running.get(homeId);
    }

    public boolean capturing(String homeId) {
        return running.containsKey(homeId);
    }

    /** The home's capture file, running or stopped, if there is one. */
    public Optional<Path> existing(String homeId) {
        Path file = file(homeId);
        return Files.exists(file) ? Optional.of(file) : Optional.empty();
    }

    /** Stops the home's capture and deletes its file (the home is gone). */
    public void forget(String homeId) {
        stop(homeId);
        try {
            Files.deleteIfExists(file(homeId));
        } catch (IOException e) {
            // a stale capture file in the temporary directory: harmless
        }
    }

    private Path file(String homeId) {
        return dir.resolve(homeId + "-" + suffix + ".pcap");
    }

    @Override
    public synchronized void close() {
        running.values().forEach(PcapWriter::close);
        running.clear();
    }
}
