package dev.cirque.core.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record on disk of the host processes the daemon starts (Xvnc servers, radios), so that
 * a daemon killed without its teardown can have them found and ended by the next one; its
 * {@code leases/} folder holds the numbered resources daemons hold ({@link HostAllocator}).
 * One small file per process: its kind, pid, start time, owner, and a directory to
 * remove with it, if any.
 */
public final class HostLedger {

    private static final Logger log = LoggerFactory.getLogger(HostLedger.class);

    /** One process the ledger knows. */
    public record Entry(String kind, Owner process, Owner owner, String directory, Path file) {}

    private final Path dir;

    public HostLedger(Path dir) {
        this.dir = dir;
    }

    /** The default place: /run/cirque/ledger when writable (root), else under the temp dir. */
    public static HostLedger defaultLedger() {
        Path run = Path.of("/run/cirque/ledger");
        try {
            Files.createDirectories(run);
            if (Files.isWritable(run)) {
                return new HostLedger(run);
            }
        } catch (IOException e) {
            // not root: fall through
        }
        return new HostLedger(Path.of(System.getProperty("java.io.tmpdir"), "cirque-ledger"));
    }

    public Path directory() {
        return dir;
    }

    /** The allocator of this host's numbered resources, keeping its leases beside the ledger's entries. */
    public HostAllocator allocator() {
        return new HostAllocator(dir.resolve("leases"));
    }

    /** Records a process this daemon started; {@code directory} (may be null) goes with it. */
    public void record(String kind, ProcessHandle process, Path directory) {
        Owner p = Owner.of(process);
        Properties props = new Properties();
        props.setProperty("kind", kind);
        props.setProperty("process", p.label());
        props.setProperty("owner", Owner.current().label());
        if (directory != null) {
            props.setProperty("directory", directory.toString());
        }
        try {
            Files.createDirectories(dir);
            try (var out = Files.newOutputStream(dir.resolve(kind + "-" + p.pid()))) {
                props.store(out, "cirque host process");
            }
        } catch (IOException e) {
            log.warn("cannot record {} pid {} in {}: {}", kind, p.pid(), dir, e.toString());
        }
    }

    public void forget(String kind, long pid) {
        try {
            Files.deleteIfExists(dir.resolve(kind + "-" + pid));
        } catch (IOException e) {
            log.warn("cannot remove ledger entry {}-{}: {}", kind, pid, e.toString());
        }
    }

    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Properties props = new Properties();
                try (var in = Files.newInputStream(f)) {
                    props.load(in);
                } catch (IOException e) {
                    continue;
                }
                Owner process = Owner.parse(props.getProperty("process")).orElse(null);
                Owner owner = Owner.parse(props.getProperty("owner")).orElse(null);
                if (process != null && owner != null) {
                    out.add(new Entry(props.getProperty("kind", "?"), process, owner, props.getProperty("directory"), f));
                }
            }
        } catch (IOException e) {
            log.warn("cannot read the ledger {}: {}", dir, e.toString());
        }
        return out;
    }
}
