package dev.cirque.engine.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerConfig;
import com.github.dockerjava.api.model.HostConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything {@code docker exec} would give a command in one container, worked out the way
 * Docker and runc do: the environment (Docker's defaults, then the container's), the user
 * and groups from the container's own /etc/passwd and /etc/group, the working directory,
 * the capability set, cgroups and confinement of its first process.
 */
record ExecTarget(String containerId, long pid, String startTime, long uid, long gid, List<Long> groups, String caps,
        String cwd, List<Path> cgroupProcs, List<String> env, Confinement confinement) {

    /** A container the fast path cannot enter (Docker's exec is used). */
    static final ExecTarget NONE = new ExecTarget("", 0, "", 0, 0, List.of(), "", "", List.of(), List.of(),
            Confinement.NONE);

    private static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    static ExecTarget of(String containerId, InspectContainerResponse inspect, Path helper)
            throws Confinement.NotCopyable {
        Long pid = inspect.getState() == null ? null : inspect.getState().getPidLong();
        if (pid == null || pid <= 0 || !Boolean.TRUE.equals(inspect.getState().getRunning())) {
            return NONE; // Docker's exec says why
        }
        // Its pid must be this host's (the engine in our pid namespace) and its users ours (no remapping).
        if (ProcFiles.cgroupLines(pid).stream().noneMatch(l -> l.contains(containerId))
                || !ProcFiles.sameNamespace(pid, "user")) {
            return NONE;
        }
        List<Path> cgroups = ProcFiles.cgroupProcsFiles(pid);
        if (cgroups.isEmpty()) {
            return NONE;
        }
        ContainerConfig config = inspect.getConfig();
        Path root = Path.of("/proc/" + pid + "/root");
        ContainerUsers users = ContainerUsers.read(root);
        ContainerUsers.ExecUser user = users.resolve(config.getUser() == null ? "" : config.getUser());
        if (user == null) {
            return NONE; // a user the container does not know: Docker's exec gives its own error
        }
        Set<Long> groups = new LinkedHashSet<>(user.supplementary());
        HostConfig host = inspect.getHostConfig();
        if (host != null && host.getGroupAdd() != null) {
            for (String g : host.getGroupAdd()) {
                Long gid = users.groupId(g);
                if (gid == null) {
                    return NONE;
                }
                groups.add(gid);
            }
        }
        String cwd = config.getWorkingDir() == null || config.getWorkingDir().isEmpty() ? "/" : config.getWorkingDir();
        String startTime = ProcFiles.startTime(pid);
        return new ExecTarget(containerId, pid, startTime, user.uid(), user.gid(), List.copyOf(groups),
                ProcFiles.boundingCaps(pid), cwd, cgroups, environment(config, user.home()),
                Confinement.of(pid, startTime, helper));
    }

    /** Docker's exec environment: PATH and HOSTNAME, replaced or extended by the container's, then runc's HOME. */
    static List<String> environment(ContainerConfig config, String home) {
        List<String> env = new ArrayList<>(List.of(DEFAULT_PATH, "HOSTNAME=" + config.getHostName()));
        for (String var : config.getEnv() == null ? new String[0] : config.getEnv()) {
            String name = var.contains("=") ? var.substring(0, var.indexOf('=')) : var;
            int at = indexOf(env, name);
            if (at >= 0) {
                env.set(at, var);
            } else {
                env.add(var);
            }
        }
        if (indexOf(env, "HOME") < 0) {
            env.add("HOME=" + home);
        }
        return env;
    }

    private static int indexOf(List<String> env, String name) {
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).startsWith(name + "=") || env.get(i).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The helper's command line for {@code argv} (see src/main/c/cirque-nsexec.c). */
    List<String> helperArgs(Path helper, List<String> argv) {
        List<String> args = new ArrayList<>(List.of(helper.toString(), Long.toString(pid), startTime,
                Long.toString(uid), Long.toString(gid),
                groups.stream().map(String::valueOf).collect(Collectors.joining(",")), caps, cwd));
        for (Path p : cgroupProcs) {
            args.add("-c");
            args.add(p.toString());
        }
        for (String var : env) {
            args.add("-e");
            args.add(var);
        }
        confinement.addHelperArgs(args);
        args.add("--");
        args.addAll(argv);
        return args;
    }

    String shortId() {
        return DockerEngine.shortId(containerId);
    }

    @Override
    public String toString() {
        return "ExecTarget[" + shortId() + " pid " + pid + " uid " + uid + " gid " + gid + " groups " + groups
                + " caps " + caps + " cwd " + cwd + " env " + Arrays.toString(env.toArray()) + ", " + confinement + "]";
    }
}
