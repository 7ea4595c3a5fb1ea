package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.engine.ContainerEngine.Labelled;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.host.HostCommand;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.host.Owner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what daemons that died without their teardown (kill -9, a crash, a power cut)
 * left on this host: containers and networks labelled {@code cirque.managed=true} whose
 * {@code cirque.owner} no longer runs, the {@code cirque:<home>:...} iptables and ip6tables
 * rules (LanAccess's, the IP shaper's) of homes no live daemon owns, and the host processes (Xvnc, radios) and directories the
 * ledger lists for dead owners, and the numbered leases ({@link dev.cirque.core.host.HostAllocator})
 * of dead owners. What belongs to a daemon still running is left alone.
 */
public final class Janitor {

    private static final Logger log = LoggerFactory.getLogger(Janitor.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern CIRQUE_RULE = Pattern.compile("--comment \"?cirque:([^:\"\\s]+)");

    /** What a sweep removed. */
    public record Report(int containers, int networks, int iptablesRules, int processes, int leases) {
        public int total() {
            return containers + networks + iptablesRules + processes + leases;
        }

        @Override
        public String toString() {
            return containers + " orphaned container(s), " + networks + " network(s), " + iptablesRules
                    + " iptables rule(s), " + processes + " host process(es), " + leases + " lease(s) removed";
        }
    }

    private Janitor() {}

    public static Report sweep(ContainerEngine engine, HostLedger ledger) {
        Set<String> liveHomes = new HashSet<>();
        List<Labelled> orphanContainers = new ArrayList<>();
        List<Labelled> orphanNetworks = new ArrayList<>();
        sort(engine.containersWithLabels(Labels.managed()), liveHomes, orphanContainers);
        sort(engine.networksWithLabels(Labels.managed()), liveHomes, orphanNetworks);
        // One object that cannot be removed is logged and left: it must not stop the sweep (nor
        // the daemon's start), and only what was removed is counted.
        int containers = 0;
        for (Labelled c : orphanContainers) {
            try {
                engine.removeContainer(c.id());
                containers++;
                log.info("removed orphaned container {} (home {}, owner {})", shortId(c.id()),
                        c.labels().get(Labels.HOME), c.labels().getOrDefault(Labels.OWNER, "unknown"));
            } catch (CirqueException e) {
                log.warn("could not remove orphaned container {}: {}", shortId(c.id()), e.getMessage());
            }
        }
        int networks = 0;
        for (Labelled n : orphanNetworks) {
            try {
                engine.removeNetwork(n.id());
                networks++;
                log.info("removed orphaned network {} (home {})", shortId(n.id()), n.labels().get(Labels.HOME));
            } catch (CirqueException e) {
                log.warn("could not remove orphaned network {}: {}", shortId(n.id()), e.getMessage());
            }
        }
        int rules = sweepIptables(liveHomes);
        int processes = sweepLedger(ledger);
        int leases = ledger.allocator().sweep();
        return new Report(containers, networks, rules, processes, leases);
    }

    /** Splits objects into live ones (their homes noted) and orphans. */
    private static void sort(List<Labelled> objects, Set<String> liveHomes, List<Labelled> orphans) {
        for (Labelled o : objects) {
            boolean live = Owner.parse(o.labels().get(Labels.OWNER)).map(Owner::isAlive).orElse(false);
            if (live) {
                liveHomes.add(o.labels().get(Labels.HOME));
            } else {
                orphans.add(o);
            }
        }
    }

    /** Where cirque puts host rules: LanAccess in Docker's chain, the IP shaper in raw PREROUTING. */
    private static final List<List<String>> RULE_PLACES = List.of(
            List.of("iptables", "filter", "DOCKER-USER"),
            List.of("iptables", "raw", "PREROUTING"),
            List.of("ip6tables", "raw", "PREROUTING"));

    private static int sweepIptables(Set<String> liveHomes) {
        int removed = 0;
        for (List<String> place : RULE_PLACES) {
            removed += sweepRules(place.get(0), place.get(1), place.get(2), liveHomes);
        }
        return removed;
    }

    private static int sweepRules(String tool, String table, String chain, Set<String> liveHomes) {
        ExecResult listed;
        try {
            listed = HostCommand.run(List.of(tool, "-w", "5", "-t", table, "-S", chain), TIMEOUT);
        } catch (CirqueException e) {
            log.debug("no {} to sweep: {}", tool, e.getMessage());
            return 0;
        }
        if (!listed.succeeded()) {
            return 0;
        }
        int removed = 0;
        String append = "-A " + chain + " ";
        for (String line : listed.output().lines().toList()) {
            // iptables -S prints the comment quoted: --comment "cirque:<home>:<node>"
            Matcher m = CIRQUE_RULE.matcher(line);
            if (!line.startsWith(append) || !m.find() || liveHomes.contains(m.group(1))) {
                continue;
            }
            String home = m.group(1);
            List<String> delete = new ArrayList<>(List.of(tool, "-w", "5", "-t", table, "-D", chain));
            for (String word : line.substring(append.length()).split("\\s+")) {
                delete.add(word.replace("\"", ""));
            }
            if (HostCommand.run(delete, TIMEOUT).succeeded()) {
                removed++;
                log.info("removed orphaned {} rule of home {}: {}", tool, home, line);
            } else {
                log.warn("could not remove orphaned {} rule of home {}: {}", tool, home, line);
            }
        }
        return removed;
    }

    private static int sweepLedger(HostLedger ledger) {
        int ended = 0;
        for (HostLedger.Entry e : ledger.entries()) {
            if (e.owner().isAlive()) {
                continue;
            }
            if (e.process().isAlive()) {
                ProcessHandle.of(e.process().pid()).ifPresent(p -> {
                    p.destroy();
                    try {
                        p.onExit().get(3, TimeUnit.SECONDS);
                    } catch (Exception timeout) {
                        p.destroyForcibly();
                    }
                });
                ended++;
                log.info("ended orphaned {} process {} (owner {} is gone)", e.kind(), e.process().pid(), e.owner().label());
            }
            if (e.directory() != null) {
                deleteTree(Path.of(e.directory()));
            }
            try {
                Files.deleteIfExists(e.file());
            } catch (IOException ex) {
                log.warn("cannot remove ledger entry {}: {}", e.file(), ex.toString());
            }
        }
        return ended;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
