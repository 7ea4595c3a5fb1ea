package dev.cirque.core.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapabilityRegistryTest {

    /** A provider defined here, standing for a third-party plugin. */
    private static CapabilityProvider provider(String name) {
        return new CapabilityProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
                long level = request.integer("level", 1);
                if (level < 0) {
                    throw CirqueException.invalid(name + ": level must be >= 0");
                }
                return () -> name;
            }
        };
    }

    @Test
    void buildsEachRequestedCapabilityFromItsProvider() {
        CapabilityRegistry registry = new CapabilityRegistry(List.of(provider("Beta"), provider("Alpha")));
        assertEquals(List.of("Alpha", "Beta"), registry.names());
        NodeSpec spec = new NodeSpec("t", "", List.of(CapabilityRequest.of("Beta"),
                new CapabilityRequest("Alpha", Map.of("level", 2L))));
        assertEquals(List.of("Beta", "Alpha"), registry.create(spec).stream().map(Capability::name).toList());
    }

    @Test
    void unknownNamesAndBadValuesAreInvalidArguments() {
        CapabilityRegistry registry = new CapabilityRegistry(List.of(provider("Alpha")));
        CirqueException unknown = assertThrows(CirqueException.class, () ->
                registry.create(new NodeSpec("t", "", List.of(CapabilityRequest.of("Gamma")))));
        assertEquals(CirqueException.Kind.INVALID_ARGUMENT, unknown.kind());
        assertTrue(unknown.getMessage().contains("Gamma") && unknown.getMessage().contains("[Alpha]"));

        CirqueException wrongType = assertThrows(CirqueException.class, () -> registry.create(
                new NodeSpec("t", "", List.of(new CapabilityRequest("Alpha", Map.of("level", "high"))))));
        assertTrue(wrongType.getMessage().contains("'level' must be an integer"), wrongType.getMessage());
    }

    @Test
    void twoProvidersForOneNameIsAStartupError() {
        assertThrows(IllegalStateException.class, () ->
                new CapabilityRegistry(List.of(provider("Alpha"), provider("Alpha"))));
    }

    @Test
    void theSameCapabilityTwiceIsRefused() {
        NodeSpec spec = new NodeSpec("t", "", List.of(CapabilityRequest.of("Alpha"), CapabilityRequest.of("Alpha")));
        assertThrows(CirqueException.class, spec::validate);
    }
}
