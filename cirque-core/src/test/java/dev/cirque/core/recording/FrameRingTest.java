package dev.cirque.core.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ring's pcapng as Wireshark's own reader sees it: {@code tshark -r}. */
class FrameRingTest {

    /** An Ethernet frame: IPv4, ICMP echo request, 10.0.0.1 to 10.0.0.2. */
    private static final byte[] ETHERNET = bytes("02 42 0a 00 00 02 02 42 0a 00 00 01 08 00"
            + " 45 00 00 1c 00 01 00 00 40 01 66 dd 0a 00 00 01 0a 00 00 02 08 00 f7 fe 00 01 00 00");
    /** An 802.15.4 acknowledgement of sequence number 0x42, with its FCS. */
    private static final byte[] WPAN = bytes("02 10 42 00 00");
    /** An 802.11 acknowledgement behind the shortest radiotap header. */
    private static final byte[] WLAN = bytes("00 00 08 00 00 00 00 00 d4 00 00 00 02 00 00 00 00 01");

    @TempDir
    Path dir;

    @Test
    void framesOfThreeMediaComeOutInOneFileInTimeOrderWithTheirFates() throws Exception {
        FrameRing ring = new FrameRing(1 << 20);
        int thread = ring.iface("thread", Pcapng.LINKTYPE_IEEE802_15_4_WITHFCS, "the home's Thread medium");
        int lan = ring.iface("lan", Pcapng.LINKTYPE_ETHERNET, "the home's bridge");
        int wifi = ring.iface("wifi", Pcapng.LINKTYPE_IEEE802_11_RADIOTAP, "the home's WiFi medium");
        assertEquals(lan, ring.iface("lan", Pcapng.LINKTYPE_ETHERNET, "asked again"), "one interface per name");
        long t = 1_765_000_000_000_000_000L;
        withFcs(WPAN);
        ring.record(thread, t + 2_000, WPAN, 0, WPAN.length, "delivered to n2");
        ring.record(lan, t + 1_000, ETHERNET, 0, ETHERNET.length, null); // came in late, seen first
        ring.record(wifi, t + 3_000, WLAN, 0, WLAN.length, "dropped: loss");

        List<String> lines = tshark(ring, "-e", "frame.interface_id", "-e", "frame.protocols", "-e", "frame.comment",
                "-e", "frame.time_epoch");
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith(lan + "\teth:ethertype:ip:icmp"), lines.get(0));
        assertTrue(lines.get(1).startsWith(thread + "\twpan\tdelivered to n2"), lines.get(1));
        assertTrue(lines.get(2).startsWith(wifi + "\tradiotap:wlan_radio:wlan\tdropped: loss"), lines.get(2));
        assertTrue(lines.get(0).endsWith("1765000000.000001000"), "nanosecond times: " + lines.get(0));
    }

    @Test
    void aFullRingLetsTheOldestGoAndCountsThem() throws Exception {
        long block = Pcapng.enhancedPacket(0, 0, ETHERNET, 0, ETHERNET.length, "frame 0").length;
        FrameRing ring = new FrameRing(3 * block);
        int lan = ring.iface("lan", Pcapng.LINKTYPE_ETHERNET, "bridge");
        for (int n = 0; n < 10; n++) {
            ring.record(lan, n * 1_000_000L, ETHERNET, 0, ETHERNET.length, "frame " + n);
        }
        assertEquals(3, ring.size());
        assertEquals(new FrameRing.Dropped(7, 7 * block), ring.dropped());
        assertEquals(List.of("frame 7", "frame 8", "frame 9"), tshark(ring, "-e", "frame.comment"));

        FrameRing none = new FrameRing(0);
        none.record(none.iface("lan", Pcapng.LINKTYPE_ETHERNET, "bridge"), 0, ETHERNET, 0, ETHERNET.length, null);
        assertEquals(new FrameRing.Dropped(1, Pcapng.enhancedPacket(0, 0, ETHERNET, 0, ETHERNET.length, null).length),
                none.dropped(), "a ring of 0 bytes keeps nothing, and says so");
        assertEquals(List.of(), tshark(none, "-e", "frame.number"));
    }

    private List<String> tshark(FrameRing ring, String... fields) throws Exception {
        Path file = write(ring, "ring");
        List<String> command = new java.util.ArrayList<>(List.of("tshark", "-r", file.toString(), "-T", "fields"));
        command.addAll(List.of(fields));
        Path err = dir.resolve("tshark.err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out + Files.readString(err));
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    private Path write(FrameRing ring, String name) throws IOException {
        Path file = dir.resolve(name + ".pcapng");
        try (OutputStream out = Files.newOutputStream(file)) {
            ring.writeTo(out, "cirque-java test");
        }
        return file;
    }

    /** Sets the last two bytes to the 802.15.4 FCS (CRC-16/KERMIT) of the rest. */
    private static void withFcs(byte[] frame) {
        int crc = 0;
        for (int i = 0; i < frame.length - 2; i++) {
            crc ^= frame[i] & 0xff;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? crc >>> 1 ^ 0x8408 : crc >>> 1;
            }
        }
        frame[frame.length - 2] = (byte) crc;
        frame[frame.length - 1] = (byte) (crc >> 8);
    }

    private static byte[] bytes(String hex) {
        String[] parts = hex.trim().split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }
}
