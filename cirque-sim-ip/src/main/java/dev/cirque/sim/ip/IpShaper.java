package dev.cirque.sim.ip;

import dev.cirque.core.CirqueException;
import dev.cirque.core.link.DueScheduler;
import dev.cirque.core.link.HomeImpairments;
import dev.cirque.core.link.Impairment;
import dev.cirque.core.link.LinkConditions;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.link.LinkModel;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IP medium: shapes what nodes send, the same way on every kernel. A node whose
 * packets may meet anything but a perfect link gets a rule on its host bridge port (see
 * {@link ShaperRules}) that queues its packets to this process; each packet's source port
 * and destination address name the directed link, whose conditions decide: drop it (a
 * cut link, or loss), or hold it and accept it when its delay is over. Packets of one link
 * leave in the order they came (jitter spreads delays without reordering a flow). Nodes
 * without conditions have no rule: their packets never leave the kernel.
 */
public final class IpShaper implements LinkMedium {

    private static final Logger log = LoggerFactory.getLogger(IpShaper.class);

    /**
     * A node's host-side port, addresses and the home it belongs to. Only a bridge port can be
     * shaped: an ipvlan or macvlan node's packets never cross a host bridge.
     */
    private record Port(String homeId, String nodeId, int ifindex, String hostInterface, List<Key> addresses,
            boolean bridgePort) {}

    /** An IPv4 or IPv6 address as two longs: no allocation of InetAddress per packet. */
    private record Key(long hi, long lo) {}

    /**
     * What packets entering by one port meet, by destination; {@code beyond} for the rest;
     * {@code conditions} the home's, for its seed.
     */
    private record Source(String homeId, LinkModel.Snapshot conditions, Map<Key, LinkConditions> byDestination,
            LinkConditions beyond) {}

    /** One link's packets, for the order rule: the port they enter by and their destination. */
    private record Flow(int ifindex, Key destination) {}

    private final NfQueue queue;
    private final ShaperRules rules;
    /** Holds packets until they are due, then accepts them. */
    private final DueScheduler scheduler;
    private final Thread receiver;
    private final Map<String, Map<String, Port>> homes = new HashMap<>();
    private final Map<String, LinkModel.Snapshot> conditions = new HashMap<>();
    private final Set<String> ruled = ConcurrentHashMap.newKeySet();
    private final HomeImpairments impairments = new HomeImpairments();
    /** By bridge port ifindex: read per packet, rebuilt on every change. */
    private volatile Map<Integer, Source> table = Map.of();
    private volatile boolean running = true;

    private IpShaper(NfQueue queue) {
        this.queue = queue;
        this.rules = new ShaperRules(queue.queueNumber());
        this.scheduler = new DueScheduler("cirque-ip-verdicts");
        this.receiver = new Thread(this::receive, "cirque-ip-shaper");
        receiver.setDaemon(true);
        receiver.start();
    }

    /**
     * Binds queue {@code queueNumber} (which no other process may hold: take it from the
     * host allocator). Needs root, nfnetlink_queue and br_netfilter.
     */
    public static IpShaper start(int queueNumber) {
        // Bridged packets pass iptables only with br_netfilter on: without it no rule would match.
        for (String v : List.of("iptables", "ip6tables")) {
            Path knob = Path.of("/proc/sys/net/bridge/bridge-nf-call-" + v);
            try {
                if (!Files.readString(knob).strip().equals("1")) {
                    throw CirqueException.precondition("the IP shaper needs " + knob + " = 1 (bridged traffic"
                            + " through " + v + "); set it with sysctl");
                }
            } catch (IOException e) {
                throw CirqueException.precondition("the IP shaper needs br_netfilter (no " + knob
                        + "): modprobe br_netfilter, or start dockerd, which loads it");
            }
        }
        try {
            return new IpShaper(NfQueue.bind(queueNumber, 16384));
        } catch (IOException e) {
            throw CirqueException.precondition("the IP shaper cannot bind netfilter queue " + queueNumber + ": "
                    + e.getMessage() + " (it needs root and the kernel's nfnetlink_queue)");
        }
    }

    @Override
    public String name() {
        return "ip";
    }

    @Override
    public synchronized void attach(MediumNode node, LinkModel.Snapshot snapshot) {
        int ifindex = hostPeerIndex(node.namespacePid());
        String name = interfaceName(ifindex);
        List<Key> keys = node.addresses().stream().map(IpShaper::key).toList();
        boolean bridgePort = Files.isDirectory(Path.of("/sys/class/net", name, "brport"));
        homes.computeIfAbsent(node.homeId(), h -> new HashMap<>())
                .put(node.nodeId(), new Port(node.homeId(), node.nodeId(), ifindex, name, keys, bridgePort));
        log.debug("ip shaper: node {} of home {} on port {} ({})", node.nodeId(), node.homeId(), name, ifindex);
        apply(node.homeId(), snapshot);
    }

    @Override
    public synchronized void detach(String homeId, String nodeId) {
        Map<String, Port> ports = homes.get(homeId);
        Port port = ports == null ? null : ports.remove(nodeId);
        if (port == null) {
            return;
        }
        if (ruled.remove(portKey(port))) {
            rules.delete(List.of(rulePort(port)));
        }
        if (ports.isEmpty()) {
            homes.remove(homeId);
            conditions.remove(homeId);
            impairments.forget(homeId);
        }
        rebuild();
    }

    @Override
    public synchronized void apply(String homeId, LinkModel.Snapshot snapshot) {
        conditions.put(homeId, snapshot);
        Map<String, Port> ports = homes.getOrDefault(homeId, Map.of());
        List<ShaperRules.Port> add = new ArrayList<>();
        List<ShaperRules.Port> delete = new ArrayList<>();
        for (Port p : ports.values()) {
            if (!p.bridgePort() && snapshot.shapes(p.nodeId())) {
                throw CirqueException.precondition("node " + p.nodeId() + " is not on a bridge of this host (an"
                        + " IpvLan home network: its packets go straight to " + p.hostInterface() + "), so the IP"
                        + " shaper cannot hold them; link conditions need a bridged home network");
            }
        }
        for (Port p : ports.values()) {
            boolean wanted = snapshot.shapes(p.nodeId());
            boolean has = ruled.contains(portKey(p));
            if (wanted && !has) {
                add.add(rulePort(p));
            } else if (!wanted && has) {
                delete.add(rulePort(p));
            }
        }
        // The table first: a rule never sends packets the table cannot place.
        rebuild();
        rules.add(add);
        add.forEach(p -> ruled.add(p.homeId() + "/" + p.nodeId()));
        rules.delete(delete);
        delete.forEach(p -> ruled.remove(p.homeId() + "/" + p.nodeId()));
    }

    /** Each node's host port and whether its packets pass through the shaper now; the packets held. */
    @Override
    public synchronized Map<String, Object> describe(String homeId) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (Port p : homes.getOrDefault(homeId, Map.of()).values()) {
            Map<String, Object> node = new java.util.LinkedHashMap<>();
            node.put("node", p.nodeId());
            node.put("host_interface", p.hostInterface());
            node.put("bridge_port", p.bridgePort());
            node.put("shaped", ruled.contains(portKey(p)));
            nodes.add(node);
        }
        nodes.sort(java.util.Comparator.comparing(n -> (String) n.get("node")));
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("nodes", nodes);
        out.put("held_packets", held());
        return out;
    }

    /** How many packets are held right now (for tests and figures). */
    public int held() {
        return scheduler.size();
    }

    private void rebuild() {
        Map<Integer, Source> next = new HashMap<>();
        homes.forEach((homeId, ports) -> {
            LinkModel.Snapshot s = conditions.getOrDefault(homeId, LinkModel.Snapshot.EMPTY);
            for (Port from : ports.values()) {
                Map<Key, LinkConditions> byDst = new HashMap<>();
                for (Port to : ports.values()) {
                    if (to != from) {
                        LinkConditions c = s.effective(from.nodeId(), to.nodeId());
                        to.addresses().forEach(k -> byDst.put(k, c));
                    }
                }
                next.put(from.ifindex(), new Source(homeId, s, Map.copyOf(byDst), s.effective(from.nodeId(), null)));
            }
        });
        table = Map.copyOf(next);
    }

    private void receive() {
        while (running) {
            try {
                if (!queue.receive(this::decide)) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                if (running) {
                    log.warn("ip shaper: {}", e.toString());
                }
            }
        }
    }

    private void decide(NfQueue.Packet p) {
        Source source = table.get(p.physInIndex());
        try {
            if (source == null) {
                queue.verdict(p.id(), NfQueue.NF_ACCEPT);
                return;
            }
            Key dst = destination(p);
            LinkConditions c = dst == null ? source.beyond() : source.byDestination().getOrDefault(dst, source.beyond());
            long now = System.nanoTime();
            long due = impairments.of(source.homeId(), source.conditions()).due(new Flow(p.physInIndex(), dst), c, now);
            if (due == Impairment.DROPPED) {
                queue.verdict(p.id(), NfQueue.NF_DROP);
            } else if (due <= now) {
                queue.verdict(p.id(), NfQueue.NF_ACCEPT);
            } else {
                int id = p.id();
                scheduler.at(due, () -> accept(id));
            }
        } catch (IOException e) {
            log.warn("ip shaper: verdict for packet {}: {}", p.id(), e.getMessage());
        }
    }

    private void accept(int packetId) {
        try {
            queue.verdict(packetId, NfQueue.NF_ACCEPT);
        } catch (IOException e) {
            log.warn("ip shaper: releasing packet {}: {}", packetId, e.getMessage());
        }
    }

    /** The destination address of an IPv4 or IPv6 packet, or null if the head is neither. */
    private static Key destination(NfQueue.Packet p) {
        byte[] h = p.head();
        if (p.headLength() >= 20 && (h[0] >> 4) == 4) {
            return new Key(0, ByteBuffer.wrap(h, 16, 4).getInt() & 0xffffffffL);
        }
        if (p.headLength() >= 40 && (h[0] >> 4 & 0xf) == 6) {
            ByteBuffer b = ByteBuffer.wrap(h, 24, 16);
            return new Key(b.getLong(), b.getLong());
        }
        return null;
    }

    private static Key key(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return new Key(0, ByteBuffer.wrap(b).getInt() & 0xffffffffL);
        }
        ByteBuffer v = ByteBuffer.wrap(b);
        return new Key(v.getLong(), v.getLong());
    }

    /** The host-side ifindex of the node's eth0 peer, read through its namespace's sysfs. */
    private static int hostPeerIndex(long pid) {
        Path iflink = Path.of("/proc", Long.toString(pid), "root", "sys", "class", "net", "eth0", "iflink");
        try {
            return Integer.parseInt(Files.readString(iflink).strip());
        } catch (IOException | NumberFormatException e) {
            throw CirqueException.precondition("the IP shaper cannot find the host side of the node's eth0 ("
                    + iflink + "): " + e.getMessage());
        }
    }

    private static String interfaceName(int ifindex) {
        try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
            for (Path l : links.toList()) {
                try {
                    if (Integer.parseInt(Files.readString(l.resolve("ifindex")).strip()) == ifindex) {
                        return l.getFileName().toString();
                    }
                } catch (IOException | NumberFormatException e) {
                    // an interface that went away meanwhile
                }
            }
        } catch (IOException e) {
            throw CirqueException.precondition("cannot list the host's interfaces: " + e.getMessage());
        }
        throw CirqueException.precondition("no host interface has index " + ifindex
                + ": is the node's network a bridge on this host?");
    }

    private static String portKey(Port p) {
        return p.homeId() + "/" + p.nodeId();
    }

    private static ShaperRules.Port rulePort(Port p) {
        return new ShaperRules.Port(p.homeId(), p.nodeId(), p.hostInterface());
    }

    /** Stops shaping: rules removed, held packets released, the queue unbound. */
    @Override
    public synchronized void close() {
        List<ShaperRules.Port> all = new ArrayList<>();
        homes.values().forEach(ports -> ports.values().stream().filter(p -> ruled.contains(portKey(p)))
                .forEach(p -> all.add(rulePort(p))));
        rules.delete(all);
        ruled.clear();
        running = false;
        scheduler.stop().forEach(Runnable::run); // what was held goes at once
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.close();
    }
}
