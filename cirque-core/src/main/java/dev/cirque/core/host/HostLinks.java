package dev.cirque.core.host;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ExecResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** What this host's kernel offers for links, asked of {@code ip} (iproute2) directly. */
public final class HostLinks {

    private static final AtomicInteger PROBES = new AtomicInteger();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private HostLinks() {}

    /** The interface of the default route, e.g. {@code eth0}. */
    public static String defaultRouteInterface() {
        String out = HostCommand.run(List.of("ip", "-o", "route", "show", "default"), TIMEOUT).output();
        String[] words = out.split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("dev")) {
                return words[i + 1];
            }
        }
        throw CirqueException.precondition("this host has no default route to take an IpvLan parent from;"
                + " name one with --ipvlan-parent");
    }

    /**
     * Tries to make a link of {@code type} (e.g. {@code ipvlan}) on {@code parent} and removes
     * it at once; returns why it could not be made, or empty when the kernel supports it.
     */
    public static Optional<String> probe(String type, String parent, String... modeArgs) {
        String name = "cqprobe" + ProcessHandle.current().pid() % 10000 + "x" + PROBES.incrementAndGet();
        List<String> add = new ArrayList<>(List.of("ip", "link", "add", "link", parent, "name", name,
                "type", type));
        add.addAll(List.of(modeArgs));
        ExecResult r = HostCommand.run(add, TIMEOUT);
        if (!r.succeeded()) {
            return Optional.of(r.output().strip());
        }
        HostCommand.run(List.of("ip", "link", "del", name), TIMEOUT);
        return Optional.empty();
    }
}
