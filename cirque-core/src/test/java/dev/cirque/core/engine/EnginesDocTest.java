package dev.cirque.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** ENGINES.md plans a back end call by call: its tables must name exactly the interfaces' methods. */
class EnginesDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(\\w+)\\(", Pattern.MULTILINE);

    @Test
    void everyEngineAndNodeHostCallIsPlannedAndNoOtherIs() throws Exception {
        String doc = Files.readString(Path.of("ENGINES.md"));
        assertEquals(methods(ContainerEngine.class), rows(section(doc, "## ContainerEngine", "## NodeHost")));
        assertEquals(methods(NodeHost.class), rows(section(doc, "## NodeHost", "## Besides")));
    }

    private static Set<String> methods(Class<?> type) {
        return Arrays.stream(type.getDeclaredMethods()).filter(m -> !Modifier.isStatic(m.getModifiers()))
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> rows(String section) {
        Set<String> out = new TreeSet<>();
        Matcher m = ROW.matcher(section);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String section(String doc, String from, String to) {
        return doc.substring(doc.indexOf(from), doc.indexOf(to));
    }
}
