package dev.cirque.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The stand-in Thread radio of cirque-sim-thread's tests (it records how it was started and
 * answers each byte with that byte plus one), installed under both simulator names, for
 * tests that need Thread nodes but not OpenThread itself.
 */
final class StandInRadios {

    private StandInRadios() {}

    /** {@code <dir>/bin} holding ot-ncp-ftd and ot-rcp; their records go to {@code <dir>/bin/records}. */
    static Path install(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String name : List.of("ot-ncp-ftd", "ot-rcp")) {
            Path p = bin.resolve(name);
            Files.copy(projectRoot().resolve("cirque-sim-thread/src/test/resources/stand-in/ot-radio"), p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    /** From where these classes were loaded (module/target/test-classes), not the working directory: the VM's runner starts at the top. */
    private static Path projectRoot() {
        try {
            Path classes = Path.of(StandInRadios.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent().getParent().getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
