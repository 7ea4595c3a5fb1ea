package dev.cirque.client;

/** What a command gave back: its exit code, stdout and stderr. */
public record CommandResult(Node node, String command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** This result, or an {@link AssertionError} naming the command, its node, exit code and output. */
    public CommandResult assertSucceeded() {
        if (!succeeded()) {
            throw new AssertionError("'" + command + "' in " + node.key() + " (" + node.name() + ") exited "
                    + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
        }
        return this;
    }
}
