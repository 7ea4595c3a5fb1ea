package dev.cirque.client.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cirque.client.Home;
import dev.cirque.client.HomeBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Run by CirqueExtensionTest: one home for the class (a static field, from a builder), and a failing test. */
@Cirque
class SharedHomeExample {

    static final List<String> SEEN = new ArrayList<>();

    @CirqueHome(builder = "twoNodes", logLines = 5)
    static Home shared;

    static HomeBuilder twoNodes(HomeBuilder home) {
        return home.device("x", "generic_node_image").device("y", "generic_node_image");
    }

    @Test
    void first() {
        SEEN.add(shared.id());
    }

    @Test
    void secondFails() {
        SEEN.add(shared.id());
        shared.node("x").exec("sh -c 'echo x-was-here > /proc/1/fd/1'").assertSucceeded();
        assertEquals("expected", "what the test got");
    }
}
