package dev.cirque.server.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.home.HomeService;
import io.grpc.ServerMethodDefinition;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a medium brings to the fronts beyond the calls every medium has ({@code /media/...},
 * MediumService, the CLI's {@code medium} verbs): its own typed calls, kept for the clients
 * that use them. HTTP routes {@code /NAME/{home}...} to it, Cirque's gRPC service answers its
 * methods with its calls, the CLI adds its verb; none of them names the medium. A front is
 * found by {@link java.util.ServiceLoader} as a {@link Factory}.
 */
public interface MediumFront extends MediumRoutes {

    /** The first segment of its HTTP routes. */
    String name();

    /** Routes of Cirque's own it answers, {@code GET /ROUTE/{home}?query}, by ROUTE. */
    default Map<String, CirqueRoute> cirqueRoutes() {
        return Map.of();
    }

    /**
     * Starts what it watches in the daemon's homes while the daemon runs (a state no one tells
     * the daemon, asked of the nodes for the event stream); closed when the daemon stops.
     */
    default AutoCloseable watchHomes() {
        return () -> {};
    }

    /** Its typed calls, each bound to its method of Cirque's gRPC service. */
    List<ServerMethodDefinition<?, ?>> grpcCalls();

    /** A route of Cirque's that answers JSON. */
    @FunctionalInterface
    interface CirqueRoute {
        JsonNode get(String home, Map<String, String> query);

        /** A query's flag as Cirque's routes read one ({@code ?all=true}, {@code 1}, {@code yes}). */
        static boolean isTrue(String value) {
            return value != null && List.of("true", "1", "yes").contains(value.strip().toLowerCase(Locale.ROOT));
        }
    }

    /** Makes the front; a {@code META-INF/services} entry names each. */
    interface Factory {

        /** Over a daemon's (or an in-process CLI's) homes. */
        MediumFront create(HomeService homes, ObjectMapper json);

        /** Its CLI verb: a picocli command whose {@code @ParentCommand} is a {@link MediumCli}. */
        Object cliCommand();

        /** All its CLI verbs, where it has more than one. */
        default List<Object> cliCommands() {
            return List.of(cliCommand());
        }
    }
}
