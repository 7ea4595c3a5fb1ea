package dev.cirque.engine.docker;

import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/** What the fast exec reads of a process from this host's /proc. */
final class ProcFiles {

    private ProcFiles() {}

    static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // real, effective, saved, fs: the effective one
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
    static String startTime(long pid) {
        String stat = read(Path.of("/proc/" + pid + "/stat"));
        // The command name (field 2) may hold spaces and parentheses: count from its closing one.
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return after[22 - 3];
    }

    /** The process's capability bounding set, in hex. */
    static String boundingCaps(long pid) {
        for (String line : read(Path.of("/proc/" + pid + "/status")).split("\n")) {
            if (line.startsWith("CapBnd:")) {
                return line.substring("CapBnd:".length()).trim();
            }
        }
        throw new CirqueException(Kind.INTERNAL, "no CapBnd in /proc/" + pid + "/status");
    }

    /** Whether the process is in this process's namespace of kind {@code name} (e.g. "user"). */
    static boolean sameNamespace(long pid, String name) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + name))
                    .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + name)));
        } catch (IOException e) {
            return false;
        }
    }

    /** The raw lines of /proc/PID/cgroup ("id:controllers:path"). */
    static List<String> cgroupLines(long pid) {
        return Arrays.stream(read(Path.of("/proc/" + pid + "/cgroup")).split("\n")).filter(l -> !l.isBlank()).toList();
    }

    /**
     * The cgroup.procs file of each of the process's cgroups, by way of where this host mounts
     * each hierarchy (cgroup v1 hierarchies and the v2 one alike); empty when one is not mounted.
     */
    static List<Path> cgroupProcsFiles(long pid) {
        List<String[]> mounts = new ArrayList<>(); // {mount point, root, fstype, super options}
        for (String line : read(Path.of("/proc/self/mountinfo")).split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] left = line.substring(0, dash).split(" ");
            String[] right = line.substring(dash + 3).split(" ");
            if (right[0].equals("cgroup") || right[0].equals("cgroup2")) {
                mounts.add(new String[] {left[4], left[3], right[0], right.length > 2 ? right[2] : ""});
            }
        }
        List<Path> files = new ArrayList<>();
        for (String line : cgroupLines(pid)) {
            String[] f = line.split(":", 3);
            Set<String> controllers = f[1].isEmpty() ? Set.of() : Set.of(f[1].split(","));
            String[] mount = mounts.stream().filter(m -> controllers.isEmpty()
                    ? m[2].equals("cgroup2")
                    : m[2].equals("cgroup") && new HashSet<>(Arrays.asList(m[3].split(","))).containsAll(controllers))
                    .findFirst().orElse(null);
            if (mount == null) {
                return List.of();
            }
            String relative = mount[1].equals("/") ? f[2] : f[2].startsWith(mount[1]) ? f[2].substring(mount[1].length())
                    : null;
            if (relative == null) {
                return List.of(); // mounted from a root above the process's cgroup: not reachable here
            }
            files.add(Path.of(mount[0], relative, "cgroup.procs"));
        }
        return files;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A /proc file's text; NOT_FOUND once the process is gone. */
    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CirqueException(Kind.NOT_FOUND, file + " is gone (the process ended)");
        } catch (IOException e) {
            throw new CirqueException(Kind.INTERNAL, "reading " + file + ": " + e.getMessage());
        }
    }
}
