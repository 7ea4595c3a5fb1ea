package dev.cirque.client;

import dev.cirque.proto.GetThreadTopologyRequest;
import dev.cirque.proto.ThreadNodeState;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A node's readiness, as an object: what to look at, how often, and for how long.
 * {@code node.waitFor(Wait.forLogLine("listening").within(Duration.ofSeconds(30)))}. Past the
 * deadline a {@link WaitTimeoutException} says what was awaited, what was last seen and the
 * node's last log lines.
 */
public final class Wait {

    /** How many log lines a timeout's message carries. */
    static final int LOG_LINES = 20;

    private final String what;
    /** Looks once: null when ready, else what was seen (for the timeout's message). */
    private final Function<Node, String> look;
    private final Duration deadline;
    private final Duration interval;

    private Wait(String what, Function<Node, String> look, Duration deadline, Duration interval) {
        this.what = what;
        this.look = look;
        this.deadline = deadline;
        this.interval = interval;
    }

    /** A line of the node's log matching {@code regex} (searched within lines). */
    public static Wait forLogLine(String regex) {
        Pattern p = Pattern.compile(regex);
        return new Wait("a log line matching /" + regex + "/", node -> {
            String log = node.logs(0);
            return log.lines().anyMatch(l -> p.matcher(l).find()) ? null : lastLines(log, 3);
        }, Duration.ofSeconds(60), Duration.ofMillis(250));
    }

    /** {@code commandLine} run in the node exits 0. */
    public static Wait forCommand(String commandLine) {
        return new Wait("'" + commandLine + "' to succeed", node -> {
            CommandResult r = node.exec(commandLine);
            return r.succeeded() ? null : "exit " + r.exitCode() + ": " + (r.stdout() + r.stderr()).strip();
        }, Duration.ofSeconds(60), Duration.ofMillis(250));
    }

    /** The node's Thread role is one of {@code roles} ({@code leader}, {@code router}, {@code child}). */
    public static Wait forThreadRole(String... roles) {
        Set<String> wanted = Set.of(roles);
        return new Wait("a Thread role in " + wanted, node -> {
            for (ThreadNodeState s : Calls.call(() -> node.client().stub().getThreadTopology(
                    GetThreadTopologyRequest.newBuilder().setHomeId(node.homeId()).build())).getNodesList()) {
                if (s.getDeviceId().equals(node.id())) {
                    return wanted.contains(s.getRole()) ? null : "role " + s.getRole() + s.getError();
                }
            }
            return "not in the home's Thread topology";
        }, Duration.ofSeconds(120), Duration.ofMillis(500));
    }

    /** The node's wireless interface ({@code wlan0}) is associated with an access point. */
    public static Wait forWifiAssociation() {
        return new Wait("a WiFi association on wlan0", node -> {
            CommandResult r = node.exec("iw dev wlan0 link");
            return r.succeeded() && r.stdout().contains("Connected to") ? null : (r.stdout() + r.stderr()).strip();
        }, Duration.ofSeconds(60), Duration.ofMillis(500));
    }

    /** The same wait with another deadline. */
    public Wait within(Duration limit) {
        return new Wait(what, look, limit, interval);
    }

    /** The same wait, looking every {@code every}. */
    public Wait pollingEvery(Duration every) {
        return new Wait(what, look, deadline, every);
    }

    void await(Node node) {
        long end = System.nanoTime() + deadline.toNanos();
        String seen;
        while (true) {
            try {
                seen = look.apply(node);
            } catch (CirqueException e) {
                seen = e.getMessage();
            }
            if (seen == null) {
                return;
            }
            if (System.nanoTime() >= end) {
                break;
            }
            try {
                Thread.sleep(interval.toMillis()); // the poll's period: the node is looked at again after it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WaitTimeoutException("interrupted while waiting for " + what + " in " + node.key());
            }
        }
        String log;
        try {
            log = lastLines(node.logs(LOG_LINES), LOG_LINES);
        } catch (CirqueException e) {
            log = "(its log could not be read: " + e.getMessage() + ")";
        }
        throw new WaitTimeoutException("node " + node.key() + " (" + node.name() + ") not ready after "
                + deadline.toMillis() + " ms: waited for " + what + "; last seen: " + seen
                + "\nits last log lines:\n" + log);
    }

    private static String lastLines(String text, int n) {
        String[] lines = text.split("\n", -1);
        int from = Math.max(0, lines.length - n - (text.endsWith("\n") ? 1 : 0));
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length)).strip();
    }

    @Override
    public String toString() {
        return "Wait[" + what + " within " + deadline + "]";
    }
}
