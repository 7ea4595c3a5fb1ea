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
        return factories().stream().map(MediumFront.Factory::cliCommand).toList();
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

    /** Every front's typed gRPC calls. */
    public List<ServerMethodDefinition<?, ?>> grpcCalls() {
        return byName.values().stream().<ServerMethodDefinition<?, ?>>flatMap(f -> f.grpcCalls().stream()).toList();
    }
}
