package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.Capability;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.capability.NodeContext;
import dev.cirque.core.capability.PrepareContext;
import dev.cirque.core.capability.WireForm;
import dev.cirque.core.capability.WireForm.JsonKey;
import dev.cirque.core.engine.ContainerPlan;
import dev.cirque.core.engine.NodeHost;
import dev.cirque.core.host.HostAllocator;
import dev.cirque.core.host.HostCommand;
import dev.cirque.core.host.HostLedger;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.sim.thread.RadioProcess;
import dev.cirque.sim.thread.ThreadMedium;
import dev.cirque.sim.thread.ThreadNetworks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Thread}: a simulated Thread radio. On the host, one OpenThread simulator process
 * ({@code ot-ncp-ftd}, or {@code ot-rcp} with {@code rcp_mode}) behind a raw PTY; in the
 * node, that PTY at {@code /dev/ttyUSB0}, NET_ADMIN, {@code /dev/net/tun}, IPv6 on and
 * forwarding on, which a Thread host stack ({@code ot-daemon}) needs. The nodes of a home
 * form one Thread network; {@code petition_id} splits a home into more. Every frame goes
 * through the daemon's {@link ThreadMedium} (medium {@code thread} of the link API), each
 * radio on a port group of its own: other homes and other petitions never hear it.
 *
 * <p>The simulator binaries are the user's, built from OpenThread: their directory is the
 * daemon's {@code thread.bin-dir} setting (--ot-bin-dir, CIRQUE_OT_BIN_DIR), else the PATH.
 */
public final class ThreadCapability implements CapabilityProvider {

    public static final String NAME = "Thread";
    public static final String BIN_DIR = "thread.bin-dir";
    public static final String DEVICE = "/dev/ttyUSB0";

    /** The host-wide pool of Thread port groups (offsets), shared by every daemon on the host. */
    static final String PORT_GROUPS = "thread-port-offset";

    /** Every node's radio while the node exists, by node id: its device mode may change live. */
    private final Map<String, Radio> radios = new java.util.concurrent.ConcurrentHashMap<>();
    /** Node ids per network for this daemon; port offsets come from the host's allocator. */
    private ThreadNetworks networks;
    /** The relay every radio of this daemon's homes is on; its thread starts with the first radio. */
    private final ThreadMedium medium = new ThreadMedium(
            Path.of(System.getProperty("java.io.tmpdir"), "cirque-thread", "captures"));

    @Override
    public List<LinkMedium> media() {
        return List.of(medium);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WireForm wire() {
        return WireForm.proto("thread_capability").json(JsonKey.integer("thread_petition", "petition_id"),
                JsonKey.bool("rcp_mode", "rcp_mode"), JsonKey.strings("thread_daemons", "daemons"),
                JsonKey.string("thread_device_mode", "device_mode"),
                JsonKey.integer("thread_poll_period_ms", "poll_period_ms"));
    }

    @Override
    public Capability create(CapabilityRequest request, NodeSpec node, HostSettings host) {
        long petition = request.integer("petition_id", 0);
        if (petition < 0 || petition > 1000) {
            throw CirqueException.invalid("Thread petition_id must be 0..1000, got " + petition);
        }
        boolean rcp = request.bool("rcp_mode", false);
        DeviceMode mode = deviceMode(request, rcp);
        String binaryName = rcp ? "ot-rcp" : "ot-ncp-ftd";
        Path binary = findBinary(host, binaryName);
        List<?> daemons = request.list("daemons");
        Path workRoot = host.setting("thread.work-dir").map(Path::of)
                .orElse(Path.of(System.getProperty("java.io.tmpdir"), "cirque-thread"));
        return new Radio(networks(host), medium, binary, (int) petition, rcp, mode, daemons, workRoot, host.ledger(),
                radios);
    }

    /**
     * Changes a node's device mode: checked as at creation, set in its stack by
     * {@code setStack} (with the ot-ctl commands; nothing to run while the node is off), then
     * kept for its next starts. FAILED_PRECONDITION for a node without a Thread radio.
     *
     * @return the mode now, as the node's description shows it
     */
    Map<String, Object> changeDeviceMode(String nodeId, String wire, long pollPeriodMs,
            java.util.function.Consumer<List<String>> setStack) {
        Radio radio = radios.get(nodeId);
        if (radio == null) {
            throw CirqueException.precondition("device " + nodeId + " has no Thread radio");
        }
        if (wire.isEmpty()) {
            throw CirqueException.invalid("Thread device_mode is required: one of router, end_device,"
                    + " sleepy_end_device");
        }
        DeviceMode mode = deviceMode(wire, pollPeriodMs, radio.rcp);
        synchronized (radio) {
            setStack.accept(mode.mode().otCtlCommands(mode.pollPeriodMs()));
            radio.mode = mode;
        }
        Map<String, Object> now = new LinkedHashMap<>();
        now.put("device_mode", mode.mode().wireName());
        now.put("poll_period_ms", mode.pollPeriodMs());
        return now;
    }

    /** The device mode asked for, checked: set in a host stack, so only with {@code rcp_mode}. */
    private static DeviceMode deviceMode(CapabilityRequest request, boolean rcp) {
        return deviceMode(request.string("device_mode", ""), request.integer("poll_period_ms", 0), rcp);
    }

    private static DeviceMode deviceMode(String wire, long poll, boolean rcp) {
        ThreadDeviceMode mode = wire.isEmpty() ? ThreadDeviceMode.ROUTER : ThreadDeviceMode.parse(wire);
        if (poll != 0 && mode != ThreadDeviceMode.SLEEPY_END_DEVICE) {
            throw CirqueException.invalid("Thread poll_period_ms is a sleepy end device's: set device_mode"
                    + " sleepy_end_device, or leave the poll period out");
        }
        if (poll != 0 && (poll < ThreadDeviceMode.MIN_POLL_PERIOD_MS || poll > ThreadDeviceMode.MAX_POLL_PERIOD_MS)) {
            throw CirqueException.invalid("Thread poll_period_ms must be " + ThreadDeviceMode.MIN_POLL_PERIOD_MS + ".."
                    + ThreadDeviceMode.MAX_POLL_PERIOD_MS + " (OpenThread's bounds), or 0 for OpenThread's own; got " + poll);
        }
        if (!wire.isEmpty() && !rcp) {
            throw CirqueException.invalid("Thread device_mode is set in the node's host stack (ot-daemon), which"
                    + " drives an RCP radio: set rcp_mode too (an NCP radio has no host stack the daemon can set)");
        }
        return new DeviceMode(mode, poll, !wire.isEmpty());
    }

    /** @param asked whether the request named a mode (else the stack keeps its own, a router's) */
    private record DeviceMode(ThreadDeviceMode mode, long pollPeriodMs, boolean asked) {}

    /** Made on first use: ServiceLoader builds providers before the host settings are known. */
    private synchronized ThreadNetworks networks(HostSettings host) {
        if (networks == null) {
            networks = new ThreadNetworks(new HostPortGroups(host.ledger().allocator()));
        }
        return networks;
    }

    /** Port offsets leased from the host allocator (offset 0, OpenThread's default, is left to others). */
    private static final class HostPortGroups implements ThreadNetworks.OffsetPool {
        private final HostAllocator allocator;
        private final Map<Integer, HostAllocator.Lease> held = new HashMap<>();

        HostPortGroups(HostAllocator allocator) {
            this.allocator = allocator;
        }

        @Override
        public synchronized int take(String network) {
            HostAllocator.Lease lease;
            try {
                lease = allocator.take(PORT_GROUPS, 1, ThreadNetworks.MAX_OFFSET, n -> true, "Thread network " + network);
            } catch (CirqueException e) {
                throw new ThreadNetworks.ExhaustedException(e.getMessage());
            }
            held.put(lease.number(), lease);
            return lease.number();
        }

        @Override
        public synchronized void give(int offset) {
            HostAllocator.Lease lease = held.remove(offset);
            if (lease != null) {
                lease.close();
            }
        }
    }

    private static Path findBinary(HostSettings host, String name) {
        if (host.setting(BIN_DIR).isPresent()) {
            Path p = Path.of(host.setting(BIN_DIR).get(), name);
            if (!Files.isExecutable(p)) {
                throw CirqueException.precondition("Thread capability: no executable " + name + " in "
                        + p.getParent() + " (the daemon's --ot-bin-dir / CIRQUE_OT_BIN_DIR setting); build it"
                        + " from OpenThread with its simulation platform");
            }
            return p;
        }
        return HostCommand.findOnPath(name).orElseThrow(() -> CirqueException.precondition("Thread capability: " + name + " is not on the PATH; point the daemon's"
                + " --ot-bin-dir (or CIRQUE_OT_BIN_DIR) at the directory of OpenThread's simulation binaries"));
    }

    private static final class Radio extends NamedCapability {
        private final ThreadNetworks networks;
        private final ThreadMedium medium;
        private final Path binary;
        private final int petition;
        private final boolean rcp;
        /** Set at creation, changed live (under the radio's lock), applied at each start. */
        private volatile DeviceMode mode;
        private final Map<String, Radio> radios;
        private final List<?> daemons;
        private final Path workRoot;
        private final HostLedger ledger;
        private volatile ThreadNetworks.Lease lease;
        private volatile RadioProcess process;
        private volatile NodeHost host;

        Radio(ThreadNetworks networks, ThreadMedium medium, Path binary, int petition, boolean rcp, DeviceMode mode,
                List<?> daemons, Path workRoot, HostLedger ledger, Map<String, Radio> radios) {
            super(NAME);
            this.mode = mode;
            this.radios = radios;
            this.ledger = ledger;
            this.networks = networks;
            this.medium = medium;
            this.binary = binary;
            this.petition = petition;
            this.rcp = rcp;
            this.daemons = daemons;
            this.workRoot = workRoot;
        }

        @Override
        public void prepare(PrepareContext node) throws Exception {
            host = node.host();
            ThreadNetworks.Lease l;
            try {
                l = networks.lease(node.homeId(), petition);
            } catch (ThreadNetworks.ExhaustedException e) {
                throw new CirqueException(CirqueException.Kind.RESOURCE_EXHAUSTED, e.getMessage());
            }
            lease = l;
            radios.put(node.nodeId(), this);
            node.onTeardown("forget the Thread radio of node " + node.nodeId(), () -> radios.remove(node.nodeId()));
            node.onTeardown("release Thread node id " + l.nodeId() + " of offset " + l.portOffset(),
                    () -> networks.release(l));
            // On the medium before the radio starts, so that its first frames are heard.
            medium.join(node.homeId(), node.nodeId(), ThreadNetworks.network(node.homeId(), petition), l.portOffset(),
                    l.nodeId());
            node.onTeardown("take node " + node.nodeId() + " off the Thread medium",
                    () -> medium.leave(node.homeId(), node.nodeId()));
            RadioProcess p = RadioProcess.start(new RadioProcess.Spec(binary, l.nodeId(), l.portOffset(), workRoot,
                    "home " + node.homeId() + " node " + node.nodeId()));
            process = p;
            ProcessHandle.of(p.pid()).ifPresent(h -> ledger.record("radio", h, p.workDir()));
            node.onTeardown("forget radio pid " + p.pid(), () -> ledger.forget("radio", p.pid()));
            node.onTeardown("stop Thread radio pid " + p.pid(), p::close);
        }

        @Override
        public void contribute(ContainerPlan plan) {
            host.shareHostFile(plan, Path.of(process.ptyPath()), DEVICE);
            plan.addLinuxCapability("NET_ADMIN")
                    .device("/dev/net/tun", "/dev/net/tun", "rwm")
                    .sysctl("net.ipv6.conf.all.disable_ipv6", "0")
                    .sysctl("net.ipv6.conf.all.forwarding", "1")
                    .sysctl("net.ipv4.ip_forward", "1");
        }

        @Override
        public void enable(NodeContext node) throws Exception {
            DeviceMode now = mode;
            if (now.asked()) {
                ThreadStack.setMode(node, now.mode(), now.pollPeriodMs());
            }
        }

        @Override
        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("mode", rcp ? "rcp" : "ncp");
            DeviceMode now = mode;
            d.put("device_mode", now.mode().wireName());
            if (now.pollPeriodMs() > 0) {
                d.put("poll_period_ms", now.pollPeriodMs());
            }
            d.put("binary", binary.toString());
            d.put("petition_id", petition);
            d.put("port_offset", lease.portOffset());
            d.put("node_id", lease.nodeId());
            d.put("device", DEVICE);
            d.put("pty", process.ptyPath());
            d.put("radio", process.state());
            d.put("radio_pid", process.pid());
            d.put("work_dir", process.workDir().toString());
            if (!daemons.isEmpty()) {
                d.put("daemons", daemons);
            }
            return d;
        }
    }
}
