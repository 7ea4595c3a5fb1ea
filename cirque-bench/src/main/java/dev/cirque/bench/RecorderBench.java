package dev.cirque.bench;

import dev.cirque.core.host.HostLedger;
import dev.cirque.core.recording.HomeRecording;
import dev.cirque.core.recording.Pcapng;
import dev.cirque.core.recording.Recordings;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The flight recorder's cost, in this process: the Thread relay of {@link ThreadRelayBench}
 * with every home recorded against the same relay unrecorded, in the same run (CPU used over
 * the run, frames the recorder let go), and the export of a full recording.
 */
final class RecorderBench {

    /** 16 homes sharing 1,000 frames/s, and near the 10,000 frames/s below which nothing may be lost. */
    private static final int LIGHT = 63;
    private static final int HEAVY = 600;

    private final LinkBench.Rows rows;

    RecorderBench(LinkBench.Rows rows) {
        this.rows = rows;
    }

    void run() throws Exception {
        Path ledger = Files.createTempDirectory("recorder-bench");
        // Warm-ups of both paths: the JIT's first passes are neither's cost.
        ThreadRelayBench.measure(true, home -> null, LIGHT);
        ThreadRelayBench.measure(true, recordings(ledger), LIGHT);
        // Alternated, twice each: which runs first changes what a run costs by a few per cent.
        long plainNanos = 0;
        long recordedNanos = 0;
        for (int round = 0; round < 2; round++) {
            plainNanos += ThreadRelayBench.measure(true, home -> null, LIGHT).cpuNanos();
            recordedNanos += ThreadRelayBench.measure(true, recordings(ledger), LIGHT).cpuNanos();
        }
        double seconds = 2.0 * ThreadRelayBench.SECONDS;
        double plainCores = plainNanos / 1e9 / seconds;
        double recordedCores = recordedNanos / 1e9 / seconds;
        String load = ThreadRelayBench.HOMES + " homes, " + ThreadRelayBench.HOMES * LIGHT + " Thread frames/s";
        double more = (recordedCores - plainCores) * 100;
        rows.row("Recorder: CPU of the relay recording every home (" + load + ")", pct(recordedCores),
                pct(plainCores), String.format(Locale.ROOT, "%+.1f%% of a core", more), "<= +5% of a core", more <= 5);
        ThreadRelayBench.Result busyPlain = ThreadRelayBench.measure(true, home -> null, HEAVY);
        Recordings heavy = recordings(ledger);
        ThreadRelayBench.Result busy = ThreadRelayBench.measure(true, heavy, HEAVY);
        double once = ThreadRelayBench.SECONDS;
        double busyMore = (busy.cpuNanos() - busyPlain.cpuNanos()) / 1e9 / once * 100;
        rows.row("Recorder: CPU of the relay recording every home (" + ThreadRelayBench.HOMES * HEAVY
                + " Thread frames/s)", pct(busy.cpuNanos() / 1e9 / once), pct(busyPlain.cpuNanos() / 1e9 / once),
                String.format(Locale.ROOT, "%+.1f%% of a core", busyMore), "", null);
        long letGo = 0;
        long kept = 0;
        for (int h = 0; h < ThreadRelayBench.HOMES; h++) {
            HomeRecording r = heavy.find("home" + h).orElseThrow();
            letGo += r.frames().dropped().frames();
            kept += r.frames().size();
        }
        rows.row("Recorder: frames let go (" + ThreadRelayBench.HOMES * HEAVY + " Thread frames/s, "
                + ThreadRelayBench.SECONDS + " s; " + kept + " kept)", Long.toString(letGo), "", "", "0", letGo == 0);
        rows.row("Recorder: frames the relay delivered meanwhile", String.format(Locale.ROOT, "%.0f/s", busy.rate()),
                "", "", "", null);
        exportFull(ledger);
    }

    private static Recordings recordings(Path ledger) {
        Recordings r = new Recordings(Recordings.DEFAULT_BYTES, 32 * Recordings.DEFAULT_BYTES, new HostLedger(ledger));
        for (int h = 0; h < ThreadRelayBench.HOMES; h++) {
            r.begin("home" + h);
        }
        return r;
    }

    /** A recording filled to its 64 MiB with IP-sized frames, exported as the daemon exports it. */
    private void exportFull(Path ledger) throws Exception {
        Recordings r = new Recordings(Recordings.DEFAULT_BYTES, Recordings.DEFAULT_BYTES, new HostLedger(ledger));
        HomeRecording h = r.begin("full").orElseThrow();
        int lan = h.frames().iface("lan", Pcapng.LINKTYPE_ETHERNET, "bridge");
        byte[] frame = new byte[600];
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        long t = 1_765_000_000_000_000_000L;
        for (int i = 0; h.frames().dropped().frames() == 0; i++) {
            random.nextBytes(frame); // random bytes: the worst case for the zip's deflate
            frame[0] = (byte) i;
            h.frames().record(lan, t + i * 1000L, frame, 0, frame.length, i % 2 == 0 ? "from 1a2b3c4d: 5e6f7a8b delivered" : null);
        }
        long best = Long.MAX_VALUE;
        int size = 0;
        for (int round = 0; round < 3; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
            long t0 = System.nanoTime();
            h.writeZip(out, Map.of("home_id", "full"), List.of());
            best = Math.min(best, System.nanoTime() - t0);
            size = out.size();
        }
        rows.row("Recorder: export of a full " + (h.frames().heldBytes() >> 20) + " MiB recording (best of 3; zip "
                + (size >> 20) + " MiB)", String.format(Locale.ROOT, "%.0f ms", best / 1e6), "", "", "< 1000 ms",
                best < 1_000_000_000L);
    }

    private static String pct(double cores) {
        return String.format(Locale.ROOT, "%.1f%% of a core", cores * 100);
    }
}
