package dev.cirque.server.cli;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CaptureState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Any medium by name (ip, thread, wifi, or one a plug-in brings): list, describe, capture; and the recording of them all. */
final class MediumCommands {

    private MediumCommands() {}

    @Command(name = "media", description = "List the daemon's media (what link conditions, 'medium' and 'capture' take).")
    static final class ListMedia implements Runnable {
        @ParentCommand
        CirqueCli cli;

        @Override
        public void run() {
            List<String> media = cli.backend().media();
            cli.print(Map.of("media", media), () -> media.forEach(cli.out()::println));
        }
    }

    @Command(name = "medium", description = {"Show what a medium knows of a home (the JSON of GET /media/MEDIUM/HOME)."})
    static final class Describe implements Runnable {
        @ParentCommand
        CirqueCli cli;

        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        @Parameters(index = "1", paramLabel = "MEDIUM")
        String medium;

        @Override
        public void run() {
            Map<String, Object> described = cli.backend().describeMedium(home, medium);
            List<List<String>> rows = new ArrayList<>();
            described.forEach((k, v) -> rows.add(List.of(k, String.valueOf(v))));
            cli.print(described, () -> Table.print(cli.out(), List.of("KEY", "VALUE"), rows));
        }
    }

    @Command(name = "capture", description = {"Start or stop a home's capture on a medium, or save it as a pcap:",
            "capture HOME MEDIUM start|stop, capture HOME MEDIUM save -o FILE."})
    static final class Capture implements Runnable {
        @ParentCommand
        CirqueCli cli;

        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        @Parameters(index = "1", paramLabel = "MEDIUM")
        String medium;

        @Parameters(index = "2", paramLabel = "ACTION", description = "start, stop or save")
        String action;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where save writes the pcap")
        Path output;

        @Override
        public void run() {
            switch (action) {
                case "start", "stop" -> {
                    CaptureState s = cli.backend().captureMedium(home, medium, action.equals("start"));
                    cli.print(Map.of("medium", s.medium(), "capturing", s.capturing(), "download", s.downloadPath(),
                            "bytes", s.bytes()), () -> cli.out().println("home " + home + ": " + s.medium()
                            + " capture " + (s.capturing() ? "running" : "stopped, " + s.bytes() + " bytes")));
                }
                case "save" -> save();
                default -> throw CirqueException.invalid("capture ACTION is start, stop or save, not '" + action + "'");
            }
        }

        private void save() {
            if (output == null) {
                throw CirqueException.invalid("capture HOME MEDIUM save needs -o FILE");
            }
            MediumCommands.save(cli, output, cli.backend().mediumCapture(home, medium));
        }
    }

    @Command(name = "record", description = {"Save a home's flight recording (live, or kept after its stop) as a zip:",
            "recording.pcapng (every network and medium, in time order), events.jsonl, logs/, topology.json."})
    static final class Record implements Runnable {
        @ParentCommand
        CirqueCli cli;

        @Parameters(index = "0", paramLabel = "HOME")
        String home;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "where to write the zip")
        Path output;

        @Override
        public void run() {
            MediumCommands.save(cli, output, cli.backend().recording(home));
        }
    }

    /** Writes what the daemon sent to {@code output} and says so. */
    private static void save(CirqueCli cli, Path output, byte[] bytes) {
        try {
            Files.write(output, bytes);
        } catch (IOException e) {
            throw CirqueException.invalid("cannot write " + output + ": " + e.getMessage());
        }
        cli.print(Map.of("file", output.toString(), "bytes", bytes.length),
                () -> cli.out().println(output + ": " + bytes.length + " bytes"));
    }
}
