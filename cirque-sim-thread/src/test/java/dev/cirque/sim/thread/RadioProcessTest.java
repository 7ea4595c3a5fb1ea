package dev.cirque.sim.thread;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real PTY and a real process. The radio is a stand-in (no OpenThread binary can be
 * installed here): a script that records how it was started and answers every byte with
 * that byte plus one, so what comes back provably went through it.
 */
class RadioProcessTest {

    @TempDir
    Path dir;

    @Test
    void bytesCrossThePtyToTheRadioAndBackBinarySafe() throws Exception {
        Path radioBin = standIn();
        RadioProcess radio = RadioProcess.start(new RadioProcess.Spec(radioBin, 7, 3, dir.resolve("work"), "test"));
        Path work = radio.workDir();
        String pts = radio.ptyPath();
        try {
            assertTrue(pts.startsWith("/dev/pts/"), pts);
            byte[] sent = new byte[65536];
            new Random(42).nextBytes(sent);
            byte[] back = new byte[sent.length];
            try (FileInputStream in = new FileInputStream(pts); FileOutputStream out = new FileOutputStream(pts)) {
                CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                    try {
                        int off = 0;
                        while (off < back.length) {
                            int n = in.read(back, off, back.length - off);
                            if (n < 0) {
                                break;
                            }
                            off += n;
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                out.write(sent);
                out.flush();
                reader.get(60, TimeUnit.SECONDS);
            }
            byte[] expected = new byte[sent.length];
            for (int i = 0; i < sent.length; i++) {
                expected[i] = (byte) (sent[i] + 1);
            }
            assertArrayEquals(expected, back, "64 KiB through the radio and back, every byte value");

            String record = Files.readString(dir.resolve("records/" + radio.pid() + ".txt"));
            assertTrue(record.contains("node_id=7"), record);
            assertTrue(record.contains("port_offset=3"), record);
            assertTrue(record.contains("cwd=" + work), record);
            assertEquals("running", radio.state());
        } finally {
            radio.close();
        }
        assertFalse(ProcessHandle.of(radio.pid()).map(ProcessHandle::isAlive).orElse(false), "radio ended");
        assertFalse(Files.exists(Path.of(pts)), "the PTY is gone");
        assertFalse(Files.exists(work), "the working directory is gone");
    }

    @Test
    void aRadioThatDiesIsReportedAsSuch() throws Exception {
        try (RadioProcess radio = RadioProcess.start(new RadioProcess.Spec(standIn(), 1, 1, dir.resolve("w"), "test"))) {
            ProcessHandle.of(radio.pid()).orElseThrow().destroyForcibly();
            for (int i = 0; i < 100 && radio.isAlive(); i++) {
                Thread.sleep(50);
            }
            assertEquals("exited with 137", radio.state());
        }
    }

    /** The stand-in radio (src/test/resources/stand-in/ot-radio), installed as ot-ncp-ftd. */
    private Path standIn() throws Exception {
        Path bin = dir.resolve("ot-ncp-ftd");
        Files.copy(Path.of("src/test/resources/stand-in/ot-radio"), bin);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }
}
