package dev.cirque.engine.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The confinement a container's processes run under, as the fast exec gives it to a command:
 * the seccomp filters of the container's first process (Docker's profile, the one it was given,
 * none for {@code seccomp=unconfined}), copied from the kernel by the helper; {@code
 * no_new_privs} as that process has it (Docker's {@code no-new-privileges}); its AppArmor
 * profile where the host enforces AppArmor. Read once per container start, as Docker hands
 * runc the same profile for every exec.
 *
 * @param seccompFilters the filters, oldest first, in the helper's {@code FLAGS:HEX} form
 * @param appArmorProfile the profile to take at exec, or null for none
 */
record Confinement(List<String> seccompFilters, boolean noNewPrivs, String appArmorProfile) {

    static final Confinement NONE = new Confinement(List.of(), false, null);

    /** Confinement that cannot be copied: the caller uses Docker's exec, which applies it. */
    static final class NotCopyable extends Exception {
        NotCopyable(String why) {
            super(why, null, false, false);
        }
    }

    /** What process {@code pid} (started at {@code startTime}) runs under. */
    static Confinement of(long pid, String startTime, Path helper) throws NotCopyable {
        String seccomp = statusField(pid, "Seccomp");
        boolean noNewPrivs = "1".equals(statusField(pid, "NoNewPrivs"));
        List<String> filters = switch (seccomp == null ? "0" : seccomp) {
            case "0" -> List.of();
            case "2" -> copyFilters(pid, startTime, helper);
            default -> throw new NotCopyable("its first process is in seccomp mode " + seccomp);
        };
        if (enforcing(Path.of("/sys/fs/selinux/enforce"), "1")) {
            throw new NotCopyable("the host enforces SELinux, whose labels the fast path does not apply");
        }
        return new Confinement(filters, noNewPrivs, appArmorProfile(pid));
    }

    /** The helper's arguments for this confinement (see src/main/c/cirque-nsexec.c). */
    void addHelperArgs(List<String> args) {
        for (String filter : seccompFilters) {
            args.add("-s");
            args.add(filter);
        }
        if (noNewPrivs) {
            args.add("-n");
            args.add("1");
        }
        if (appArmorProfile != null) {
            args.add("-a");
            args.add(appArmorProfile);
        }
    }

    private static List<String> copyFilters(long pid, String startTime, Path helper) throws NotCopyable {
        try {
            Process p = new ProcessBuilder(helper.toString(), "--filters", Long.toString(pid), startTime).start();
            // A first process that will not stop (uninterruptible sleep) must not hold the exec:
            // killed, the helper lets it go (the kernel detaches a dead tracer's tracees).
            ScheduledFuture<?> deadline = DockerExecs.WATCHER.schedule(p::destroyForcibly, 10, TimeUnit.SECONDS);
            String out;
            String err;
            try {
                p.getOutputStream().close();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            } finally {
                deadline.cancel(false);
            }
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new NotCopyable("its seccomp filters could not be copied ("
                        + (err.isEmpty() ? "the helper was stopped after 10 s" : err) + ")");
            }
            List<String> filters = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    filters.add(line.replace(' ', ':'));
                }
            }
            if (filters.isEmpty()) {
                throw new NotCopyable("its first process is under seccomp but no filter could be read");
            }
            return filters;
        } catch (IOException e) {
            throw new NotCopyable("its seccomp filters could not be copied: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotCopyable("interrupted while copying its seccomp filters");
        }
    }

    /** The AppArmor profile of the process where AppArmor is on ("docker-default (enforce)" gives its name). */
    private static String appArmorProfile(long pid) throws NotCopyable {
        if (!enforcing(Path.of("/sys/module/apparmor/parameters/enabled"), "Y")) {
            return null;
        }
        for (String attr : List.of("attr/apparmor/current", "attr/current")) {
            try {
                String label = Files.readString(Path.of("/proc/" + pid + "/" + attr)).trim();
                int mode = label.lastIndexOf(" (");
                String name = mode > 0 ? label.substring(0, mode) : label;
                return name.isEmpty() || name.equals("unconfined") ? null : name;
            } catch (IOException e) {
                // the older file next
            }
        }
        throw new NotCopyable("AppArmor is on but the profile of its first process cannot be read");
    }

    private static boolean enforcing(Path flag, String on) {
        try {
            return Files.readString(flag).trim().startsWith(on);
        } catch (IOException e) {
            return false;
        }
    }

    private static String statusField(long pid, String name) {
        for (String line : ProcFiles.read(Path.of("/proc/" + pid + "/status")).split("\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "seccomp filters " + seccompFilters.size() + ", no_new_privs " + noNewPrivs + ", AppArmor "
                + (appArmorProfile == null ? "none" : appArmorProfile);
    }
}
