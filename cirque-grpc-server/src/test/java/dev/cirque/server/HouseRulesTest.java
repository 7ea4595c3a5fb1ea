package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rules the sources keep (issue #25's "done when"), read from the source tree: no main
 * class over 350 lines (the bench aside); no front importing another front; no medium named
 * in core or the fronts, where a medium's own calls come with its front (server/media/...).
 */
class HouseRulesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SERVER = ROOT.resolve("cirque-grpc-server/src/main/java/dev/cirque/server");
    private static final List<String> FRONTS = List.of("grpc", "http", "cli");

    @Test
    void noMainClassIsOver350Lines() {
        List<String> over = new ArrayList<>();
        for (Path file : javaFiles(ROOT)) {
            String path = ROOT.relativize(file).toString();
            if (path.contains("/src/main/") && !path.startsWith("cirque-bench/")) {
                int lines = read(file).split("\n", -1).length - 1;
                if (lines > 350) {
                    over.add(path + " (" + lines + ")");
                }
            }
        }
        assertTrue(javaFiles(ROOT).size() > 100, "the source tree was found at " + ROOT);
        assertEquals(List.of(), over);
    }

    @Test
    void noFrontImportsAnother() {
        List<String> found = new ArrayList<>();
        for (String front : FRONTS) {
            for (Path file : javaFiles(SERVER.resolve(front))) {
                String text = read(file);
                for (String other : FRONTS) {
                    boolean imports = text.contains("import dev.cirque.server." + other + ".")
                            || text.contains("import static dev.cirque.server." + other + ".");
                    if (!other.equals(front) && imports) {
                        found.add(SERVER.relativize(file) + " imports " + other);
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void coreAndTheFrontsNameNoMedium() {
        List<Path> places = new ArrayList<>(javaFiles(ROOT.resolve("cirque-core/src/main/java")));
        for (String dir : List.of("grpc", "http", "cli", "wire")) {
            places.addAll(javaFiles(SERVER.resolve(dir)));
        }
        places.add(SERVER.resolve("DaemonServer.java"));
        List<String> found = new ArrayList<>();
        for (Path file : places) {
            String text = read(file);
            for (String literal : List.of("\"thread\"", "\"wifi\"", "THREAD_ROLE_CHANGED", "WIFI_ASSOCIATION_CHANGED",
                    "ThreadMeshes", "WifiHomes", "ThreadRoleEvents", "WifiAssociationEvents")) {
                if (text.contains(literal)) {
                    found.add(ROOT.relativize(file) + ": " + literal);
                }
            }
        }
        assertTrue(places.size() > 50, "core and the fronts were found: " + places.size() + " files");
        assertEquals(List.of(), found);
    }

    private static List<Path> javaFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java") && !f.toString().contains("/target/")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
