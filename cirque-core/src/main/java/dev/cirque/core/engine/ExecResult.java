package dev.cirque.core.engine;

/** A finished command: its exit code and its stdout and stderr, interleaved as produced. */
public record ExecResult(int exitCode, String output) {

    public boolean succeeded() {
        return exitCode == 0;
    }
}
