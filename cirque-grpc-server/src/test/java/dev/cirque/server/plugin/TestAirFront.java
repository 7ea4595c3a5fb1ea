package dev.cirque.server.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.home.HomeMedia;
import dev.cirque.core.home.HomeService;
import dev.cirque.server.media.HomeVerb;
import dev.cirque.server.media.MediumFront;
import io.grpc.ServerMethodDefinition;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * A medium front of the test medium's own (as Thread's and WiFi's are theirs): routes
 * {@code /test-air/{home}...}, one route in Cirque's style ({@code /test_air_radios/{home}})
 * and a CLI verb, none of them written in a front. Registered by the test class path's
 * {@code META-INF/services}.
 */
public final class TestAirFront implements MediumFront {

    private final HomeMedia media;
    private final ObjectMapper json;

    TestAirFront(HomeMedia media, ObjectMapper json) {
        this.media = media;
        this.json = json;
    }

    @Override
    public String name() {
        return TestAirCapability.MEDIUM;
    }

    @Override
    public JsonNode topology(String home) {
        return json.valueToTree(media.describe(home, TestAirCapability.MEDIUM));
    }

    @Override
    public JsonNode capture(String home, boolean start) {
        return json.valueToTree(media.capture(home, TestAirCapability.MEDIUM, start));
    }

    @Override
    public byte[] captured(String home) {
        return media.captured(home, TestAirCapability.MEDIUM);
    }

    @Override
    public Map<String, CirqueRoute> cirqueRoutes() {
        return Map.of("test_air_radios", (home, query) -> topology(home).get("radios"));
    }

    @Override
    public List<ServerMethodDefinition<?, ?>> grpcCalls() {
        return List.of(); // Cirque's service has no method of the test medium's
    }

    /** Listed in the tests' {@code META-INF/services}. */
    public static final class Factory implements MediumFront.Factory {

        @Override
        public MediumFront create(HomeService homes, ObjectMapper json) {
            return new TestAirFront(homes.media(), json);
        }

        @Override
        public Object cliCommand() {
            return new Radios();
        }
    }

    /** {@code test-air HOME}: how many radios the medium has in the home. */
    @Command(name = TestAirCapability.MEDIUM, description = "Count the home's test-air radios.")
    static final class Radios extends HomeVerb {

        @Override
        public void run() {
            Object radios = cli.call(homes -> homes.media().describe(home, TestAirCapability.MEDIUM).get("radios"),
                    stub -> {
                        throw new UnsupportedOperationException("the test medium has no gRPC call of its own");
                    });
            cli.print(Map.of("radios", radios), () -> cli.out().println(radios + " radios"));
        }
    }
}
