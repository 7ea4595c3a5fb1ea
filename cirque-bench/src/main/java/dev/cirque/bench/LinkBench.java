package dev.cirque.bench;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The link-conditions figures: a shaped link against the same link unshaped, measured in
 * the same run between the same two nodes. TCP throughput at 10 ms (and the daemon's CPU
 * meanwhile), the delay added at 1,000 packets/s against the one asked, and how long a
 * change takes to apply (RPC to effect).
 */
final class LinkBench {

    /** Where a figure goes: measure, shaped, unshaped baseline, ratio or difference, target, met. */
    interface Rows {
        void row(String measure, String shaped, String baseline, String ratio, String target, Boolean met);
    }

    private static final int MIB = 1000;

    private final Supplier<CirqueServiceGrpc.CirqueServiceBlockingStub> stub;
    private final long daemonPid;
    private final String image;
    private final Rows rows;

    LinkBench(Supplier<CirqueServiceGrpc.CirqueServiceBlockingStub> stub, long daemonPid, String image, Rows rows) {
        this.stub = stub;
        this.daemonPid = daemonPid;
        this.image = image;
        this.rows = rows;
    }

    void run() throws Exception {
        CreateCirqueHomeWithDevicesRequest.Builder request = CreateCirqueHomeWithDevicesRequest.newBuilder();
        for (int i = 0; i < 6; i++) {
            request.putDevices("n" + i, DeviceSpecification.newBuilder().setDeviceType(image).build());
        }
        CreateCirqueHomeWithDevicesResponse home = stub.get().createCirqueHomeWithDevices(request.build());
        String id = home.getHomeId();
        CirqueDevice a = home.getDevicesMap().get("n0");
        CirqueDevice b = home.getDevicesMap().get("n1");
        try {
            exec(id, b, "sh -c 'socat -u TCP-LISTEN:5001,reuseaddr,fork OPEN:/dev/null >/dev/null 2>&1 &'");
            throughput(id, a, b);
            addedDelay(id, a, b);
            changeTime(id, home);
        } finally {
            stub.get().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(id).build());
        }
    }

    /** What a 10 ms-shaped TCP stream of {@value #MIB} MiB costs: its rate, the daemon's CPU and its dumpcaps'. */
    record StreamCost(double mbit, double daemonCores, double dumpcapCores) {}

    /** {@link StreamCost} in a home of two nodes of its own. */
    StreamCost streamCost() throws Exception {
        CreateCirqueHomeWithDevicesResponse home = stub.get().createCirqueHomeWithDevices(
                CreateCirqueHomeWithDevicesRequest.newBuilder()
                        .putDevices("a", DeviceSpecification.newBuilder().setDeviceType(image).build())
                        .putDevices("b", DeviceSpecification.newBuilder().setDeviceType(image).build()).build());
        String id = home.getHomeId();
        CirqueDevice a = home.getDevicesMap().get("a");
        CirqueDevice b = home.getDevicesMap().get("b");
        try {
            exec(id, b, "sh -c 'socat -u TCP-LISTEN:5001,reuseaddr,fork OPEN:/dev/null >/dev/null 2>&1 &'");
            set(id, a, b, 10, 0);
            long daemon0 = cpuTicks(daemonPid);
            long dumpcap0 = dumpcapTicks();
            long t0 = System.nanoTime();
            double mbit = mbitPerSecond(id, a, b);
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new StreamCost(mbit, (cpuTicks(daemonPid) - daemon0) / 100.0 / seconds,
                    (dumpcapTicks() - dumpcap0) / 100.0 / seconds);
        } finally {
            stub.get().stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(id).build());
        }
    }

    /** CPU ticks of the daemon's dumpcap children (the recorder's captures of home bridges). */
    private long dumpcapTicks() {
        return ProcessHandle.of(daemonPid).stream().flatMap(ProcessHandle::children)
                .filter(p -> p.info().command().map(c -> c.endsWith("dumpcap")).orElse(false))
                .mapToLong(p -> {
                    try {
                        return cpuTicks(p.pid());
                    } catch (IOException gone) {
                        return 0;
                    }
                }).sum();
    }

    private void throughput(String home, CirqueDevice a, CirqueDevice b) throws Exception {
        double plain = mbitPerSecond(home, a, b);
        set(home, a, b, 10, 0);
        long cpu0 = cpuTicks(daemonPid);
        long t0 = System.nanoTime();
        double shaped = mbitPerSecond(home, a, b);
        double cpu = (cpuTicks(daemonPid) - cpu0) / 100.0 / ((System.nanoTime() - t0) / 1e9);
        clear(home, a, b);
        rows.row("TCP A->B, 10 ms on the link (" + MIB + " MiB, socat)", mbit(shaped), mbit(plain) + " unshaped",
                String.format(Locale.ROOT, "%.2f", shaped / plain), ">= 1000 Mbit/s", shaped >= 1000);
        rows.row("daemon CPU while shaping that stream", String.format(Locale.ROOT, "%.0f%% of a core", cpu * 100), "",
                "", "", null);
    }

    private double mbitPerSecond(String home, CirqueDevice a, CirqueDevice b) {
        String out = exec(home, a, "sh -c 's=$(date +%s%N); dd if=/dev/zero bs=1M count=" + MIB + " 2>/dev/null"
                + " | socat -u - TCP:" + b.getDeviceDescription().getIpv4Addr() + ":5001; e=$(date +%s%N);"
                + " echo $((e - s))'");
        double seconds = Long.parseLong(out.strip()) / 1e9;
        return MIB * 1024.0 * 1024 * 8 / 1e6 / seconds;
    }

    private void addedDelay(String home, CirqueDevice a, CirqueDevice b) {
        String ping = "ping -i 0.001 -c 2000 -q -W 1 " + b.getDeviceDescription().getIpv4Addr();
        double plain = p50(exec(home, a, ping.replace(" -q", "")));
        set(home, a, b, 20, 0);
        double shaped = p50(exec(home, a, ping.replace(" -q", "")));
        clear(home, a, b);
        double added = shaped - plain - 20;
        rows.row("RTT p50 at 1,000 packets/s, 20 ms asked on A->B", ms(shaped), ms(plain) + " unshaped",
                String.format(Locale.ROOT, "%+.3f ms from the asked 20", added), "within ± 1 ms", Math.abs(added) <= 1);
    }

    private void changeTime(String home, CreateCirqueHomeWithDevicesResponse made) {
        CirqueDevice a = made.getDevicesMap().get("n0");
        CirqueDevice b = made.getDevicesMap().get("n1");
        set(home, a, b, 10, 0);
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            set(home, a, b, 10 + i % 2 * 10, 0); // an already shaped link: no rule changes
            live.add(System.nanoTime() - t0);
        }
        clear(home, a, b);
        List<Long> cuts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            stub.get().partitionHome(PartitionRequest.newBuilder().setHomeId(home).setName("p")
                    .addDeviceIds(a.getDeviceId()).addDeviceIds(b.getDeviceId()).build()); // rules for 6 nodes
            cuts.add(System.nanoTime() - t0);
            stub.get().healHome(HealRequest.newBuilder().setHomeId(home).setName("p").build());
        }
        long liveMedian = median(live);
        long cutMedian = median(cuts);
        rows.row("a link's conditions changed, RPC to applied (median of 20)", ms(liveMedian / 1e6), "", "",
                "<= 100 ms", liveMedian <= 100_000_000L);
        rows.row("a partition of a 6-node home, RPC to applied (median of 5)", ms(cutMedian / 1e6), "", "",
                "<= 100 ms", cutMedian <= 100_000_000L);
    }

    private void set(String home, CirqueDevice from, CirqueDevice to, int latencyMs, double loss) {
        stub.get().setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home)
                .setFromDeviceId(from.getDeviceId()).setToDeviceId(to.getDeviceId())
                .setConditions(LinkConditions.newBuilder().setLatencyMs(latencyMs).setLossPercent(loss)).build());
    }

    private void clear(String home, CirqueDevice from, CirqueDevice to) {
        stub.get().setLinkConditions(SetLinkConditionsRequest.newBuilder().setHomeId(home)
                .setFromDeviceId(from.getDeviceId()).setToDeviceId(to.getDeviceId()).build());
    }

    private String exec(String home, CirqueDevice node, String command) {
        return stub.get().executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(home)
                .setDeviceId(node.getDeviceId()).setCommand(command).build()).getOutput();
    }

    private static double p50(String ping) {
        List<Double> rtts = new ArrayList<>(Pattern.compile("time=([\\d.]+) ms").matcher(ping).results()
                .map(r -> Double.parseDouble(r.group(1))).toList());
        Collections.sort(rtts);
        return rtts.get(rtts.size() / 2);
    }

    /** A process's user + system CPU time, in clock ticks (1/100 s). */
    private static long cpuTicks(long pid) throws IOException {
        String[] f = Files.readString(Path.of("/proc", Long.toString(pid), "stat")).replaceAll(".*\\) ", "")
                .split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String mbit(double v) {
        return String.format(Locale.ROOT, "%,.0f Mbit/s", v);
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.3f ms", v);
    }
}
