package dev.cirque.capabilities;

import dev.cirque.core.CirqueException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The Thread device mode a node's stack is set to, as Matter devices use them: a router
 * (OpenThread's default: router-eligible, receiver always on), an end device that never
 * becomes a router (receiver on), or a sleepy end device (receiver off between the polls it
 * sends its parent, which holds its frames meanwhile). Set with ot-ctl in the node.
 */
enum ThreadDeviceMode {
    ROUTER, END_DEVICE, SLEEPY_END_DEVICE;

    /** OpenThread's bounds for a poll period, in ms (10 ms up to its 26-bit maximum). */
    static final long MIN_POLL_PERIOD_MS = 10;
    static final long MAX_POLL_PERIOD_MS = 0x3FFFFFF;

    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named on the wire; INVALID_ARGUMENT naming the known ones otherwise. */
    static ThreadDeviceMode parse(String wire) {
        for (ThreadDeviceMode m : values()) {
            if (m.wireName().equals(wire)) {
                return m;
            }
        }
        throw CirqueException.invalid("Thread device_mode must be one of " + Arrays.stream(values())
                .map(ThreadDeviceMode::wireName).toList() + ", got '" + wire + "'");
    }

    /**
     * The ot-ctl commands that set this mode in a stack, each answered by "Done"
     * ({@code mode}'s flags: r receiver on when idle, d full Thread device, n full network data;
     * "-" none of them).
     */
    List<String> otCtlCommands(long pollPeriodMs) {
        List<String> out = new ArrayList<>();
        switch (this) {
            case ROUTER -> out.addAll(List.of("routereligible enable", "mode rdn"));
            case END_DEVICE -> out.addAll(List.of("routereligible disable", "mode rdn"));
            case SLEEPY_END_DEVICE -> {
                out.addAll(List.of("routereligible disable", "mode -"));
                if (pollPeriodMs > 0) {
                    out.add("pollperiod " + pollPeriodMs);
                }
            }
        }
        return out;
    }
}
