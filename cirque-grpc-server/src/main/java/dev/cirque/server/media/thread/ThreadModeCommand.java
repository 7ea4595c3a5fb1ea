package dev.cirque.server.media.thread;

import dev.cirque.capabilities.ThreadMeshes;
import dev.cirque.proto.SetThreadDeviceModeRequest;
import dev.cirque.proto.ThreadDeviceMode;
import dev.cirque.server.media.HomeVerb;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The CLI's {@code thread_mode HOME DEVICE MODE [--poll-period-ms N]}. */
@Command(name = "thread_mode", description = {"Set a Thread node's device mode, live: router, end_device or",
        "sleepy_end_device (with its poll period). Kept for the node's later starts."})
final class ThreadModeCommand extends HomeVerb {

    @Parameters(paramLabel = "DEVICE")
    String device;

    @Parameters(paramLabel = "MODE", description = "router, end_device or sleepy_end_device")
    String mode;

    @Option(names = "--poll-period-ms", description = "a sleepy end device's poll period (default: OpenThread's own)")
    int pollPeriodMs;

    @Override
    public void run() {
        SetThreadDeviceModeRequest request = SetThreadDeviceModeRequest.newBuilder().setHomeId(home)
                .setDeviceId(device).setDeviceMode(mode).setPollPeriodMs(pollPeriodMs).build();
        ThreadDeviceMode now = cli.call(homes -> ThreadMessages.deviceMode(new ThreadMeshes(homes), request),
                stub -> stub.setThreadDeviceMode(request));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("device", now.getDeviceId());
        json.put("device_mode", now.getDeviceMode());
        json.put("poll_period_ms", now.getPollPeriodMs());
        cli.print(json, () -> cli.table(List.of("DEVICE", "DEVICE_MODE", "POLL_PERIOD_MS"), List.of(List.of(
                now.getDeviceId(), now.getDeviceMode(), String.valueOf(now.getPollPeriodMs())))));
    }
}
