package dev.cirque.server.cli;

import dev.cirque.proto.DirectedLink;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.server.wire.LinkMessages;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The link verbs of the CLI: {@code links}, {@code set_link}, {@code partition}, {@code heal},
 * and {@code thread} (a home's Thread mesh).
 */
final class LinkCommands {

    private LinkCommands() {}

    /** The shared {@code --medium} option. */
    abstract static class OnMedium {
        @ParentCommand
        CirqueCli cli;

        @Option(names = "--medium", paramLabel = "MEDIUM", defaultValue = "ip",
                description = "The medium: ip (default) or thread.")
        String medium;

        void show(LinkState state) {
            // The JSON form is the HTTP route's.
            cli.print(LinkMessages.toSnapshot(state).describe(), () -> table(state));
        }

        private void table(LinkState s) {
            List<List<String>> rows = new ArrayList<>();
            s.getEgressMap().forEach((node, c) -> rows.add(row(node, "*", c)));
            for (DirectedLink l : s.getLinksList()) {
                rows.add(row(l.getFromDeviceId(), l.getToDeviceId(), l.getConditions()));
            }
            Table.print(cli.out(), List.of("FROM", "TO", "LATENCY_MS", "JITTER_MS", "LOSS_%", "DOWN"), rows);
            s.getPartitionsMap().forEach((name, p) -> cli.out().println("partition " + name + ": "
                    + String.join(" ", p.getDeviceIdsList())));
        }

        private static List<String> row(String from, String to, LinkConditions c) {
            return List.of(from, to, Integer.toString(c.getLatencyMs()), Integer.toString(c.getJitterMs()),
                    Double.toString(c.getLossPercent()), Boolean.toString(c.getDown()));
        }
    }

    @Command(name = "links", description = "Show a home's link conditions.")
    static final class Show extends OnMedium implements Runnable {
        @Parameters(paramLabel = "HOME")
        String home;

        @Override
        public void run() {
            show(cli.backend().links(home, medium));
        }
    }

    @Command(name = "set_link", description = {"Set live what a node's packets meet: set_link HOME FROM [TO]",
            "Without TO, the node's egress (every destination without its own link)."})
    static final class Set extends OnMedium implements Runnable {
        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        @Parameters(index = "1", paramLabel = "FROM")
        String from;

        @Parameters(index = "2", arity = "0..1", paramLabel = "TO")
        String to;

        @Option(names = "--latency", paramLabel = "MS", description = "One-way delay in ms.")
        int latency;

        @Option(names = "--jitter", paramLabel = "MS", description = "The delay varies within latency ± jitter.")
        int jitter;

        @Option(names = "--loss", paramLabel = "PERCENT", description = "Chance of loss, 0..100.")
        double loss;

        @Option(names = "--down", description = "Cut the link: nothing passes.")
        boolean down;

        @Option(names = "--signal", paramLabel = "DBM", description = "The signal the receiver hears (wifi), -120..0.")
        Integer signal;

        @Option(names = "--both-ways", description = "TO -> FROM as well.")
        boolean bothWays;

        @Option(names = "--clear", description = "Remove the conditions instead.")
        boolean clear;

        @Override
        public void run() {
            SetLinkConditionsRequest.Builder r = SetLinkConditionsRequest.newBuilder().setHomeId(home)
                    .setMedium(medium).setFromDeviceId(from).setToDeviceId(to == null ? "" : to).setBothWays(bothWays);
            if (!clear) {
                LinkConditions.Builder c = LinkConditions.newBuilder().setLatencyMs(latency).setJitterMs(jitter)
                        .setLossPercent(loss).setDown(down);
                if (signal != null) {
                    c.setSignalDbm(signal);
                }
                r.setConditions(c);
            }
            show(cli.backend().setLink(r.build()));
        }
    }

    @Command(name = "partition", description = "Cut devices off from the rest of their home: partition HOME NAME DEVICE...")
    static final class Cut extends OnMedium implements Runnable {
        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Parameters(index = "2..*", arity = "1..*", paramLabel = "DEVICE")
        List<String> devices;

        @Override
        public void run() {
            show(cli.backend().partition(PartitionRequest.newBuilder().setHomeId(home).setMedium(medium)
                    .setName(name).addAllDeviceIds(devices).build()));
        }
    }

    @Command(name = "heal", description = "Heal a partition, or without NAME every partition and link: heal HOME [NAME]")
    static final class Heal extends OnMedium implements Runnable {
        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            show(cli.backend().heal(HealRequest.newBuilder().setHomeId(home).setMedium(medium)
                    .setName(name == null ? "" : name).build()));
        }
    }

    @Command(name = "seed_links", description = {"Seed every medium's loss and delay draws: seed_links HOME [SEED]",
            "The same seed gives the same drops and delays for the same frames; without SEED, fresh"
                    + " randomness again."})
    static final class Seed implements Runnable {
        @ParentCommand
        CirqueCli cli;

        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        @Parameters(index = "1", arity = "0..1", paramLabel = "SEED")
        Long seed;

        @Override
        public void run() {
            dev.cirque.proto.SeedLinksRequest.Builder r = dev.cirque.proto.SeedLinksRequest.newBuilder().setHomeId(home);
            if (seed != null) {
                r.setSeed(seed);
            }
            LinkState s = cli.backend().seed(r.build());
            cli.print(LinkMessages.toSnapshot(s).describe(), () -> cli.out().println(s.hasSeed()
                    ? "home " + home + ": every medium draws from seed " + s.getSeed()
                    : "home " + home + ": every medium draws fresh randomness"));
        }
    }
}
