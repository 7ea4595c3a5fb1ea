package dev.cirque.server.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** One CLI invocation in this JVM, as {@code scripts/cirque ARGS} would run it, for tests outside this package. */
public record CliRun(int code, String out, String err) {

    public static CliRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream printed = new PrintStream(out, true, StandardCharsets.UTF_8);
        CirqueCli cli = new CirqueCli(printed);
        try {
            picocli.CommandLine commandLine = CirqueCli.commandLine(cli);
            commandLine.setOut(new PrintWriter(printed, true)); // help and usage, too
            commandLine.setErr(new PrintWriter(err, true));
            int code = commandLine.execute(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            cli.closeBackend();
        }
    }
}
