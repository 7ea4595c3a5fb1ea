package dev.cirque.server.cli;

import dev.cirque.core.util.ShellWords;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.History;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;

/**
 * The interactive shell: one command per line, parsed by the same picocli commands as the
 * one-shot form. On a terminal: a prompt, line editing, history kept across sessions and
 * tab completion of commands and of the ids of live homes and devices. On a pipe: lines
 * read silently, no prompt and no echo, as scripts expect; history is still kept.
 */
final class Shell {

    private static final Set<String> TAKES_HOME = Set.of("home_devices", "create_device", "device_state",
            "run_exec", "close_device", "destroy_home");
    private static final Set<String> TAKES_DEVICE = Set.of("device_state", "run_exec", "close_device");

    private final CirqueCli cli;
    private final List<String> typed = new ArrayList<>();
    private LineReader reader;
    private boolean running = true;

    Shell(CirqueCli cli) {
        this.cli = cli;
    }

    /** Where history lives: $CIRQUE_HISTORY, else ~/.cirque_history (jline's "time:line" format). */
    static Path historyFile() {
        String custom = System.getenv("CIRQUE_HISTORY");
        return custom != null ? Path.of(custom) : Path.of(System.getProperty("user.home"), ".cirque_history");
    }

    static List<String> savedHistory() {
        try {
            return Files.exists(historyFile()) ? Files.readAllLines(historyFile()).stream()
                    .map(l -> l.replaceFirst("^\\d+:", "")).toList() : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** This session's lines (on a terminal, with the earlier sessions' before them). */
    List<String> history() {
        if (reader == null) {
            return List.copyOf(typed);
        }
        List<String> lines = new ArrayList<>();
        for (History.Entry e : reader.getHistory()) {
            lines.add(e.line());
        }
        return lines;
    }

    void stop() {
        running = false;
    }

    int run() throws IOException {
        // Built now, after the global options were parsed: picocli resets every option to the
        // value it had when the CommandLine was made, so --connect and --json hold for every
        // line without being repeated.
        CommandLine commands = CirqueCli.commandLine(cli);
        // In the shell a typo deserves one line, not the whole usage page.
        commands.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("error: " + e.getMessage() + " (try 'help')");
            return 2;
        });
        return System.console() != null ? runOnTerminal(commands) : runOnPipe(commands);
    }

    private int runOnPipe(CommandLine commands) throws IOException {
        int last = 0;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            while (running) { // checked before each read: after 'exit' nothing more is read
                String line = in.readLine();
                if (line == null) {
                    break;
                }
                if (!line.isBlank()) {
                    typed.add(line);
                    last = execute(commands, line);
                }
            }
        } finally {
            saveTyped();
        }
        return last;
    }

    private int runOnTerminal(CommandLine commands) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            if (terminal.getWidth() <= 0) {
                // A pty nobody sized (script, ssh without a window): jline would cut the prompt to 0 columns.
                terminal.setSize(new Size(80, 24));
            }
            reader = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .appName("cirque")
                    .variable(LineReader.HISTORY_FILE, historyFile())
                    .completer((r, line, candidates) -> complete(line.words(), line.wordIndex(), candidates))
                    .build();
            terminal.writer().println("cirque shell (" + cli.backend().describe() + "); 'help' lists commands,"
                    + " 'exit' leaves.");
            int last = 0;
            while (running) {
                String line;
                try {
                    line = reader.readLine("cirque> ");
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C drops the line, as in bash
                } catch (EndOfFileException e) {
                    break;
                }
                if (!line.isBlank()) {
                    last = execute(commands, line);
                }
            }
            reader.getHistory().save();
            return last;
        }
    }

    private static int execute(CommandLine commands, String line) {
        List<String> words;
        try {
            words = ShellWords.split(line);
        } catch (RuntimeException e) {
            System.err.println("error: " + CirqueCli.message(e));
            return 2;
        }
        return commands.execute(words.toArray(String[]::new));
    }

    /** Appends a piped session's lines to the history file, in the format jline reads back. */
    private void saveTyped() {
        if (typed.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        long now = System.currentTimeMillis();
        for (String line : typed) {
            b.append(now).append(':').append(line.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        }
        try {
            Files.writeString(historyFile(), b, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cirque: cannot save history to " + historyFile() + ": " + e.getMessage());
        }
    }

    private void complete(List<String> words, int index, List<Candidate> candidates) {
        try {
            if (index == 0) {
                CirqueCli.commandLine(cli).getSubcommands().keySet().forEach(c -> candidates.add(new Candidate(c)));
            } else if (index == 1 && TAKES_HOME.contains(words.get(0))) {
                cli.backend().homes().forEach(h -> candidates.add(new Candidate(h)));
            } else if (index == 2 && TAKES_DEVICE.contains(words.get(0))) {
                cli.backend().devices(words.get(1)).forEach(d -> candidates.add(new Candidate(d.id())));
            }
        } catch (RuntimeException e) {
            // Completion is a convenience: an unknown home simply completes nothing.
        }
    }
}
