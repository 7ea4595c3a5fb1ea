package dev.cirque.sim.wifi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cirque.core.capture.HomeCaptures;
import dev.cirque.core.capture.PcapWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WiFi capture's format, read back by the real tshark (skipped where it is not installed). */
class RadiotapCaptureTest {

    @Test
    void tsharkReadsTheCaptureAsRadiotapAnd80211(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "tshark is not installed: capture check skipped");
        // A beacon's header: frame control 0x80 0x00, duration, addr1 broadcast, addr2 = addr3 = the AP.
        byte[] beacon = new byte[36];
        beacon[0] = (byte) 0x80;
        for (int i = 4; i < 10; i++) {
            beacon[i] = (byte) 0xff;
        }
        byte[] ap = Mac.bytes(0x02aabbccdd01L);
        System.arraycopy(ap, 0, beacon, 10, 6);
        System.arraycopy(ap, 0, beacon, 16, 6);
        try (HomeCaptures captures = new HomeCaptures(dir, "wifi", PcapWriter.LINKTYPE_IEEE802_11_RADIOTAP)) {
            captures.start("h");
            byte[] captured = HwsimMedium.radiotap(beacon, 2437, -63);
            captures.writer("h").write(captured, 0, captured.length);
            captures.stop("h");
        }
        Process p = new ProcessBuilder("tshark", "-r", dir.resolve("h-wifi.pcap").toString(), "-T", "fields",
                "-e", "radiotap.channel.freq", "-e", "radiotap.dbm_antsignal", "-e", "wlan.fc.type_subtype",
                "-e", "wlan.bssid").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(60, TimeUnit.SECONDS);
        String last = out.lines().reduce((a, b) -> b).orElse("");
        assertEquals("2437\t-63\t0x0008\t02:aa:bb:cc:dd:01", last, out);
    }
}
