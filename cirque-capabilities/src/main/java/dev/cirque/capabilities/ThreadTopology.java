package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.core.link.LinkModel;
import dev.cirque.sim.thread.ThreadMedium;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A home's Thread mesh as its nodes see it: each Thread node's role, RLOC16 and extended
 * address, and its neighbours, asked of the node's own stack ({@code ot-ctl} of
 * ot-daemon, in the node); each neighbour with what the medium delivered and dropped on
 * the link from it, which is the link's quality as the daemon sets it. Nodes whose stack
 * does not answer (no ot-ctl, ot-daemon not up yet) say so in {@code error}.
 */
public final class ThreadTopology {

    /** One neighbour as {@code ot-ctl neighbor table} lists it, with the medium's counts. */
    public record Neighbor(String device, String role, String rloc16, String extaddr, int avgRssi, long delivered,
            long dropped) {}

    /**
     * One node; {@code error} set when its stack could not be asked. {@code deviceMode} is the
     * mode it was made with ({@link ThreadCapability}), {@code polls} the data polls the
     * medium carried from it.
     */
    public record ThreadNode(String device, String role, String rloc16, String extaddr, List<Neighbor> neighbors,
            String error, String deviceMode, long polls) {}

    private static final Duration ASK = Duration.ofSeconds(10);
    /** How long a query waits for a client's command in the node to end. */
    static final Duration CLIENTS_PATIENCE = Duration.ofSeconds(2);

    private ThreadTopology() {}

    /** Asks every Thread node of the home at once. */
    public static List<ThreadNode> of(HomeService homes, String homeId, ThreadMedium medium) {
        List<Node> nodes = homes.nodes(homeId).stream()
                .filter(n -> n.capabilityDescriptions().containsKey(ThreadCapability.NAME)).toList();
        List<CompletableFuture<ThreadNode>> asked = new ArrayList<>();
        ExecutorService askers = Executors.newFixedThreadPool(Math.max(1, Math.min(16, nodes.size())));
        List<ThreadNode> raw;
        try {
            for (Node n : nodes) {
                asked.add(CompletableFuture.supplyAsync(() -> ask(homes, homeId, n.id()), askers));
            }
            raw = asked.stream().map(CompletableFuture::join).toList();
        } finally {
            askers.shutdown();
        }
        Map<String, String> deviceByExt = new LinkedHashMap<>();
        raw.forEach(t -> {
            if (t.extaddr() != null) {
                deviceByExt.put(t.extaddr(), t.device());
            }
        });
        Map<LinkModel.Link, long[]> counts = medium.linkCounts(homeId);
        Map<String, Long> polls = medium.polls(homeId);
        Map<String, String> modes = new LinkedHashMap<>();
        nodes.forEach(n -> modes.put(n.id(), String.valueOf(n.capabilityDescriptions().get(ThreadCapability.NAME)
                .getOrDefault("device_mode", ThreadDeviceMode.ROUTER.wireName()))));
        List<ThreadNode> out = new ArrayList<>();
        for (ThreadNode t : raw) {
            List<Neighbor> named = new ArrayList<>();
            for (Neighbor nb : t.neighbors()) {
                String device = deviceByExt.get(nb.extaddr());
                long[] c = device == null ? null : counts.get(new LinkModel.Link(device, t.device()));
                named.add(new Neighbor(device, nb.role(), nb.rloc16(), nb.extaddr(), nb.avgRssi(),
                        c == null ? 0 : c[0], c == null ? 0 : c[1]));
            }
            out.add(new ThreadNode(t.device(), t.role(), t.rloc16(), t.extaddr(), named, t.error(),
                    modes.get(t.device()), polls.getOrDefault(t.device(), 0L)));
        }
        return out;
    }

    private static ThreadNode ask(HomeService homes, String homeId, String device) {
        try {
            return homes.questions().inTurn(homeId, device, CLIENTS_PATIENCE, () -> {
                String role = ctl(homes, homeId, device, "state");
                String rloc16 = ctl(homes, homeId, device, "rloc16");
                String extaddr = ctl(homes, homeId, device, "extaddr");
                List<Neighbor> neighbors = parseNeighbors(ctl(homes, homeId, device, "neighbor table"));
                return new ThreadNode(device, role, rloc16.startsWith("0x") ? rloc16 : "0x" + rloc16, extaddr,
                        neighbors, null, null, 0);
            });
        } catch (CirqueException e) {
            return new ThreadNode(device, null, null, null, List.of(), e.getMessage(), null, 0);
        }
    }

    /** Whether ot-daemon cut this session short for another (see {@link #ctl}). */
    private static boolean sessionReset(ExecResult r) {
        return r.exitCode() == SIGPIPE_EXIT || r.exitCode() != 0 && r.output().contains("Connection reset");
    }

    /** 128 + SIGPIPE: ot-ctl wrote to a session ot-daemon had reset. */
    private static final int SIGPIPE_EXIT = 141;

    /**
     * The first line of {@code ot-ctl COMMAND}'s answer (it ends with "Done"); call it in the
     * node's turn ({@link HomeService#inTurn}, {@link #CLIENTS_PATIENCE}). ot-daemon serves one
     * CLI session at a time and closes it when another comes: a client's one-shot ot-ctl cut
     * that way exits 0 with its answer missing, so the daemon does not ask while a client's
     * command runs. A client's command cannot cut the daemon's either (it waits for the
     * turn), but another tool in the node can (docker exec): that is tried again, three times
     * at most. The cut shows as "Connection reset" when ot-ctl was reading, and as death by
     * SIGPIPE (exit 141, silent) when it was writing.
     */
    static String ctl(HomeService homes, String homeId, String device, String command) {
        List<String> argv = new ArrayList<>(List.of("ot-ctl"));
        argv.addAll(List.of(command.split(" ")));
        ExecResult r = homes.questions().query(homeId, device, argv, ASK);
        for (int attempt = 1; attempt < 3 && sessionReset(r); attempt++) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50L * attempt));
            r = homes.questions().query(homeId, device, argv, ASK);
        }
        if (r.exitCode() != 0) {
            throw CirqueException.precondition("ot-ctl " + command + " in " + device + " exited " + r.exitCode() + ": "
                    + r.output().strip());
        }
        String out = r.output().strip();
        return command.equals("neighbor table") ? out : out.lines().findFirst().orElse("").strip();
    }

    /**
     * {@code ot-ctl neighbor table}: a table whose header names its columns
     * ({@code | Role | RLOC16 | Age | Avg RSSI | Last RSSI |R|D|N| Extended MAC | ...}).
     */
    static List<Neighbor> parseNeighbors(String table) {
        List<String> lines = table.lines().filter(l -> l.startsWith("|")).toList();
        if (lines.isEmpty()) {
            return List.of();
        }
        List<String> header = cells(lines.get(0)).stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        int role = header.indexOf("role");
        int rloc = header.indexOf("rloc16");
        int rssi = header.indexOf("avg rssi");
        int ext = header.indexOf("extended mac");
        List<Neighbor> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> c = cells(line);
            if (c.size() != header.size() || role < 0 || ext < 0) {
                continue;
            }
            int avg;
            try {
                avg = rssi < 0 ? 0 : Integer.parseInt(c.get(rssi));
            } catch (NumberFormatException e) {
                avg = 0;
            }
            out.add(new Neighbor(null, c.get(role).equals("R") ? "router" : "child", rloc < 0 ? "" : c.get(rloc),
                    c.get(ext), avg, 0, 0));
        }
        return out;
    }

    private static List<String> cells(String line) {
        String body = line.strip();
        body = body.substring(1, body.endsWith("|") ? body.length() - 1 : body.length());
        List<String> out = new ArrayList<>();
        for (String cell : body.split("\\|", -1)) {
            out.add(cell.strip());
        }
        return out;
    }
}
