package dev.cirque.server.media;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.home.HomeService;
import io.grpc.ServerMethodDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.slf4j.LoggerFactory;

/** The media fronts on the class path, made over one set of homes. */
public final class MediumFronts {


    private final Map<String, MediumFront> byName = new LinkedHashMap<>();
    private final Map<String, MediumFront.CirqueRoute> cirqueRoutes = new LinkedHashMap<>();

    private MediumFronts(List<MediumFront> fronts) {
        for (MediumFront f : fronts) {
            if (byName.putIfAbsent(f.name(), f) != null) {
                throw new IllegalStateException("two media fronts named '" + f.name() + "' on the class path");
            }
            f.cirqueRoutes().forEach((route, r) -> {
                if (cirqueRoutes.putIfAbsent(route, r) != null) {
                    throw new IllegalStateException("two media fronts answer /" + route);
                }
            });
        }
    }

    public static MediumFronts load(HomeService homes, ObjectMapper json) {
        List<MediumFront> fronts = new ArrayList<>();
        factories().forEach(f -> fronts.add(f.create(homes, json)));
        return new MediumFronts(fronts);
    }

    /** Each front's CLI verb, as new command objects. */
    public static List<Object> cliCommands() {
        return factories().stream().flatMap(f -> f.cliCommands().stream()).toList();
    }

    private static List<MediumFront.Factory> factories() {
        List<MediumFront.Factory> out = new ArrayList<>();
        ServiceLoader.load(MediumFront.Factory.class, MediumFronts.class.getClassLoader()).forEach(out::add);
        return out;
    }

    /** The front whose routes start with {@code route}. */
    public Optional<MediumFront> named(String route) {
        return Optional.ofNullable(byName.get(route));
    }

    /** A route of Cirque's that a front answers. */
    public Optional<MediumFront.CirqueRoute> cirqueRoute(String route) {
        return Optional.ofNullable(cirqueRoutes.get(route));
    }

    /** Starts every front's watch of the homes (see {@link MediumFront#watchHomes}). */
    public List<AutoCloseable> watchHomes() {
        return byName.values().stream().map(MediumFront::watchHomes).toList();
    }

    /** Stops what {@link #watchHomes} started, each whatever the others do. */
    public static void close(List<AutoCloseable> watchers) {
        for (AutoCloseable w : watchers) {
            try {
                w.close();
            } catch (Exception e) {
                // The logger only here: the command line loads this class and should not start logging.
                LoggerFactory.getLogger(MediumFronts.class).warn("stopping a medium's watch: {}", e.toString());
            }
        }
    }

    /** Every front's typed gRPC calls. */
    public List<ServerMethodDefinition<?, ?>> grpcCalls() {
        return byName.values().stream().<ServerMethodDefinition<?, ?>>flatMap(f -> f.grpcCalls().stream()).toList();
    }
}
