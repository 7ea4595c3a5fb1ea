package dev.cirque.client;

import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CommandOutput;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.GetCirqueDeviceLogRequest;
import dev.cirque.proto.PowerDeviceRequest;
import dev.cirque.proto.QueryCirqueDeviceRequest;
import dev.cirque.proto.StopCirqueDeviceRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;

/** A node of a running home: its addresses, commands, logs, and waits for it to be ready. */
public final class Node {

    private final CirqueClient client;
    private final String homeId;
    private final String key;
    private volatile CirqueDevice device;

    Node(CirqueClient client, String homeId, String key, CirqueDevice device) {
        this.client = client;
        this.homeId = homeId;
        this.key = key;
        this.device = device;
    }

    /** The topology's key for it ({@code device0}). */
    public String key() {
        return key;
    }

    public String id() {
        return device.getDeviceId();
    }

    /** The container's name ({@code docker exec -it NAME bash} works with it). */
    public String name() {
        return device.getDeviceName();
    }

    public String ipv4() {
        return device.getDeviceDescription().getIpv4Addr();
    }

    public String ipv6() {
        return device.getDeviceDescription().getIpv6Addr();
    }

    /** The device as the daemon last described it to this object (when made, powered off or on). */
    public CirqueDevice device() {
        return device;
    }

    /**
     * Runs a command line (split like a shell splits it, not run through one) and waits for it:
     * its exit code and its stdout and stderr apart. A command that fails is an answer, not an
     * exception; see {@link CommandResult#assertSucceeded()}.
     */
    public CommandResult exec(String commandLine) {
        ExecuteDeviceCommandRequest request = ExecuteDeviceCommandRequest.newBuilder().setHomeId(homeId)
                .setDeviceId(id()).setCommand(commandLine).setStreaming(true).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Calls.call(() -> {
            Iterator<CommandOutput> chunks = client.stub().executeDeviceCommandStream(request);
            int exit = -1;
            while (chunks.hasNext()) {
                CommandOutput c = chunks.next();
                switch (c.getChunkCase()) {
                    case STDOUT -> out.writeBytes(c.getStdout().toByteArray());
                    case STDERR -> err.writeBytes(c.getStderr().toByteArray());
                    case EXIT_CODE -> exit = c.getExitCode();
                    default -> { }
                }
            }
            return exit;
        });
        return new CommandResult(this, commandLine, code, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    /** The last {@code lines} lines of the node's stdout and stderr (0 = all). */
    public String logs(int lines) {
        return Calls.call(() -> client.stub().getCirqueDeviceLog(GetCirqueDeviceLogRequest.newBuilder()
                .setHomeId(homeId).setDeviceId(id()).setTail(lines).build())).getLog();
    }

    /** Waits until {@code condition} holds, or throws {@link WaitTimeoutException} with the node's last log lines. */
    public Node waitFor(Wait condition) {
        condition.await(this);
        return this;
    }

    /** The node's state now, asked of the daemon: {@code running}, {@code powered_off} or {@code exited}. */
    public String state() {
        device = Calls.call(() -> client.stub().queryCirqueDevice(QueryCirqueDeviceRequest.newBuilder()
                .setHomeId(homeId).setDeviceId(id()).build())).getDevice();
        return device.getDeviceDescription().getState();
    }

    /**
     * Powers the node off, keeping it (as pulling a device's plug): SIGTERM, SIGKILL after 10 s.
     * Commands are refused until {@link #powerOn()}.
     */
    public Node powerOff() {
        return power(false, null);
    }

    /** As {@link #powerOff()}, with {@code grace} between SIGTERM and SIGKILL. */
    public Node powerOff(Duration grace) {
        return power(false, grace);
    }

    /** Powers the node on again: its container starts with its files as they were; its addresses may change. */
    public Node powerOn() {
        return power(true, null);
    }

    private Node power(boolean on, Duration grace) {
        PowerDeviceRequest.Builder r = PowerDeviceRequest.newBuilder().setHomeId(homeId).setDeviceId(id());
        if (grace != null) {
            r.setGraceSeconds((int) grace.toSeconds());
        }
        device = Calls.call(() -> on ? client.stub().powerOnDevice(r.build()) : client.stub().powerOffDevice(r.build()));
        return this;
    }

    /**
     * Sets this Thread node's device mode, live and for its later starts: {@code router},
     * {@code end_device} or {@code sleepy_end_device}, whose poll period is {@code pollPeriodMs}
     * (0: OpenThread's own; only a sleepy end device has one).
     */
    public Node threadDeviceMode(String mode, int pollPeriodMs) {
        Calls.call(() -> client.stub().setThreadDeviceMode(dev.cirque.proto.SetThreadDeviceModeRequest.newBuilder()
                .setHomeId(homeId).setDeviceId(id()).setDeviceMode(mode).setPollPeriodMs(pollPeriodMs).build()));
        return this;
    }

    /**
     * Places this node in its home's space, in metres: its radio links are made from where
     * it is from now on (see the home's {@link Home#space()}).
     */
    public Node placeAt(double x, double y, double z) {
        Calls.call(() -> client.stub().placeNode(dev.cirque.proto.PlaceNodeRequest.newBuilder().setHomeId(homeId)
                .setDeviceId(id()).setPosition(dev.cirque.proto.Position.newBuilder().setX(x).setY(y).setZ(z)).build()));
        return this;
    }

    /** Stops and removes this node alone. */
    public void stop() {
        Calls.call(() -> client.stub().stopCirqueDevice(StopCirqueDeviceRequest.newBuilder().setHomeId(homeId)
                .setDeviceId(id()).build()));
    }

    String homeId() {
        return homeId;
    }

    CirqueClient client() {
        return client;
    }

    @Override
    public String toString() {
        return "Node[" + key + ", " + name() + ", " + ipv4() + "]";
    }
}
