/*
 * cirque-nsexec: runs one command in a running container the way `docker exec` does
 * (its namespaces, cgroups, resource limits, user, groups, working directory, capability
 * set and confinement: seccomp filters, no_new_privs, AppArmor profile), in the time of a
 * fork and an exec instead of Docker's round trips. The daemon (FastExecs) works out every
 * value from the container's inspect data and /proc and passes them here; this program
 * only applies them.
 *
 *   cirque-nsexec PID STARTTIME UID GID GROUPS CAPS CWD [-c CGROUP.PROCS]... [-e VAR=VALUE]...
 *                 [-s FLAGS:HEX]... [-n 1] [-a PROFILE] -- ARGV...
 *   cirque-nsexec --filters PID STARTTIME
 *
 * -s is one seccomp filter (oldest first) as --filters prints it: the filter's flags, then its
 * classic BPF instructions (struct sock_filter, this machine's layout) in hex. --filters copies
 * the filters the container's first process runs under, read with ptrace
 * (PTRACE_SECCOMP_GET_FILTER), one line each: the daemon reads them once per container, as
 * runc installs the container's profile once per exec.
 *
 * PID is the container's first process on the host and STARTTIME its start (field 22 of
 * /proc/PID/stat): a pid reused by another process is refused. GROUPS is a comma list
 * ("" for none), CAPS the capability mask in hex. The command gets exactly the -e
 * variables as its environment (the helper's own environment is never passed on).
 *
 * Protocol on stdout: once the namespaces are entered, one byte '\1'; without it the
 * helper failed (exit 125, reason on its stderr) and nothing ran. Then the command's
 * stdout and stderr, read here from two pipes as they come (so their order is kept as
 * Docker's multiplexed stream keeps it) and written as frames: one byte for the stream
 * (1 stdout, 2 stderr), four for the length (big-endian), the bytes. The helper's exit
 * code is the command's, 128+N when killed by signal N, 126 (with Docker's message) when
 * it cannot be started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CGROUPS 32
#define MAX_ENV 4096
#define MAX_FILTERS 16

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("cirque-nsexec: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(125);
}

/* Docker's own wording (runc's) for a command that cannot be started, on stdout as Docker has it; exit code 126. */
static void cannot_start(const char *what, int err) {
    char reason[256];
    snprintf(reason, sizeof reason, "%s", strerror(err));
    reason[0] = (char) (reason[0] >= 'A' && reason[0] <= 'Z' ? reason[0] - 'A' + 'a' : reason[0]);
    dprintf(1, "OCI runtime exec failed: exec failed: unable to start container process: %s: %s: unknown\r\n",
            what, reason);
    _exit(126);
}

static void write_all(const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(1, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* the daemon went away: the command is being killed */
        buf += n;
        len -= (size_t) n;
    }
}

/* Relays the command's two pipes to stdout as frames until both are closed. */
static void relay(int out, int err) {
    struct pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
    char frame[5 + 65536];
    int open_pipes = 2;
    while (open_pipes > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !fds[i].revents) continue;
            ssize_t n = read(fds[i].fd, frame + 5, 65536);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_pipes--;
                continue;
            }
            frame[0] = (char) (i + 1);
            frame[1] = (char) (n >> 24);
            frame[2] = (char) (n >> 16);
            frame[3] = (char) (n >> 8);
            frame[4] = (char) n;
            write_all(frame, 5 + (size_t) n);
        }
    }
}

/*
 * A signal's default action, set by the system call itself: glibc's sigaction refuses the two
 * real-time signals it keeps for itself, which the JVM that started us leaves ignored.
 */
static void default_action(int sig) {
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        unsigned long mask;
    } action = {SIG_DFL, 0, NULL, 0};
    syscall(SYS_rt_sigaction, sig, &action, NULL, sizeof action.mask);
}

static unsigned long long start_time(long pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p) return 0;
    /* after ") " come fields 3..; the start time is field 22 */
    int field = 2;
    for (p++; *p && field < 22; p++) {
        if (*p == ' ') field++;
    }
    return strtoull(p, NULL, 10);
}

/* Opens the namespace NAME of PID, or returns -1 when this process is already in it. */
static int namespace_of(long pid, const char *name) {
    char theirs[64], ours[64];
    struct stat a, b;
    snprintf(theirs, sizeof theirs, "/proc/%ld/ns/%s", pid, name);
    snprintf(ours, sizeof ours, "/proc/self/ns/%s", name);
    if (stat(theirs, &a) != 0) {
        if (errno == ENOENT && strcmp(name, "cgroup") == 0) return -1; /* a kernel without them */
        fail("%s: %s", theirs, strerror(errno));
    }
    if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) return -1;
    int fd = open(theirs, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("%s: %s", theirs, strerror(errno));
    return fd;
}

static void limit_caps(unsigned long long caps, int root) {
    int last = 40;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f) {
        if (fscanf(f, "%d", &last) != 1) last = 40;
        fclose(f);
    }
    for (int c = 0; c <= last; c++) {
        if (!(caps & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
            cannot_start("dropping capabilities", errno);
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (!root) return; /* setuid to a non-root user has emptied the permitted set already */
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    d[0].effective = d[0].permitted = (unsigned) caps;
    d[1].effective = d[1].permitted = (unsigned) (caps >> 32);
    if (syscall(SYS_capset, &h, d) != 0) cannot_start("setting capabilities", errno);
}

static void take_user(uid_t uid, gid_t gid, const char *groups) {
    gid_t list[256];
    size_t n = 0;
    for (const char *p = groups; *p && n < 256;) {
        char *end;
        unsigned long g = strtoul(p, &end, 10);
        if (end == p) break;
        list[n++] = (gid_t) g;
        p = *end == ',' ? end + 1 : end;
    }
    if (setgroups(n, list) != 0) cannot_start("setgroups", errno);
    if (setresgid(gid, gid, gid) != 0) cannot_start("setgid", errno);
    if (setresuid(uid, uid, uid) != 0) cannot_start("setuid", errno);
}

/* The container's resource limits, read from its first process. */
static void take_limits(long pid) {
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        struct rlimit l;
        if (prlimit((pid_t) pid, r, NULL, &l) == 0) setrlimit(r, &l);
    }
}

/*
 * Prints the seccomp filters PID runs under, oldest first ("FLAGS HEX" per line), as
 * cirque-nsexec's -s takes them. The process is stopped for the reading (PTRACE_INTERRUPT, then
 * detached: a system call it was in is restarted) and must still be the one that started at
 * STARTTIME.
 */
static int print_filters(long pid, unsigned long long started) {
    if (ptrace(PTRACE_SEIZE, (pid_t) pid, 0, 0) != 0) fail("attaching to %ld: %s", pid, strerror(errno));
    if (ptrace(PTRACE_INTERRUPT, (pid_t) pid, 0, 0) != 0) fail("stopping %ld: %s", pid, strerror(errno));
    int status;
    while (waitpid((pid_t) pid, &status, __WALL) < 0) {
        if (errno != EINTR) fail("waiting for %ld to stop: %s", pid, strerror(errno));
    }
    if (start_time(pid) != started) fail("process %ld is no longer the container's", pid);
    static char line[2 * 8 * BPF_MAXINSNS + 32];
    char *lines[MAX_FILTERS];
    int count = 0;
    for (;; count++) {
        long n = ptrace(PTRACE_SECCOMP_GET_FILTER, (pid_t) pid, (void *) (long) count, NULL);
        if (n < 0 && errno == ENOENT) break; /* past the oldest */
        if (n < 0 && errno == EINVAL && count == 0) break; /* no filter at all */
        if (n < 0) fail("reading seccomp filter %d of %ld: %s", count, pid, strerror(errno));
        if (count == MAX_FILTERS || n > BPF_MAXINSNS) fail("%ld has more or larger seccomp filters than copied", pid);
        struct sock_filter insns[BPF_MAXINSNS];
        if (ptrace(PTRACE_SECCOMP_GET_FILTER, (pid_t) pid, (void *) (long) count, insns) != n)
            fail("reading seccomp filter %d of %ld: %s", count, pid, strerror(errno));
        struct __ptrace_seccomp_metadata meta = {(unsigned long long) count, 0};
        if (ptrace(PTRACE_SECCOMP_GET_METADATA, (pid_t) pid, (void *) sizeof meta, &meta) < 0)
            fail("reading seccomp metadata %d of %ld: %s", count, pid, strerror(errno));
        int at = snprintf(line, sizeof line, "%llu ", (unsigned long long) meta.flags);
        const unsigned char *bytes = (const unsigned char *) insns;
        for (long b = 0; b < n * (long) sizeof insns[0]; b++) at += sprintf(line + at, "%02x", bytes[b]);
        lines[count] = strdup(line);
    }
    ptrace(PTRACE_DETACH, (pid_t) pid, 0, 0);
    for (int f = count - 1; f >= 0; f--) printf("%s\n", lines[f]); /* filter 0 is the newest */
    return fflush(stdout) == 0 ? 0 : 125;
}

static int nibble(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A filter given as "FLAGS:HEX", decoded into PROG; 0 when it is not one. */
static int parse_filter(const char *spec, unsigned int *flags, struct sock_fprog *prog) {
    char *colon;
    unsigned long f = strtoul(spec, &colon, 10);
    if (colon == spec || *colon != ':') return 0;
    const char *hex = colon + 1;
    size_t len = strlen(hex);
    if (len == 0 || len % (2 * sizeof(struct sock_filter)) || len / 2 / sizeof(struct sock_filter) > BPF_MAXINSNS)
        return 0;
    unsigned char *bytes = malloc(len / 2);
    if (!bytes) return 0;
    for (size_t b = 0; b < len / 2; b++) {
        int hi = nibble(hex[2 * b]), lo = nibble(hex[2 * b + 1]);
        if (hi < 0 || lo < 0) return 0;
        bytes[b] = (unsigned char) (hi << 4 | lo);
    }
    *flags = (unsigned int) f;
    prog->len = (unsigned short) (len / 2 / sizeof(struct sock_filter));
    prog->filter = (struct sock_filter *) bytes;
    return 1;
}

static void install_filter(unsigned int flags, struct sock_fprog *prog) {
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog) != 0) cannot_start("loading seccomp filter", errno);
}

/* As runc: the profile takes effect at the exec (AppArmor's "change on exec"). */
static void take_apparmor(const char *profile) {
    char value[512];
    int len = snprintf(value, sizeof value, "exec %s", profile);
    int fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
    if (fd < 0) fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, (size_t) len) != len) cannot_start("setting the AppArmor profile", errno);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--filters") == 0)
        return print_filters(strtol(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
    if (argc < 10) fail("usage: cirque-nsexec PID STARTTIME UID GID GROUPS CAPS CWD [-c PROCS]... [-e VAR]..."
                        " [-s FLAGS:HEX]... [-n 1] [-a PROFILE] -- ARGV... | --filters PID STARTTIME");
    long pid = strtol(argv[1], NULL, 10);
    unsigned long long started = strtoull(argv[2], NULL, 10);
    uid_t uid = (uid_t) strtoul(argv[3], NULL, 10);
    gid_t gid = (gid_t) strtoul(argv[4], NULL, 10);
    const char *groups = argv[5];
    unsigned long long caps = strtoull(argv[6], NULL, 16);
    const char *cwd = argv[7];
    int cgroups[MAX_CGROUPS], ncgroups = 0;
    static char *env[MAX_ENV + 1];
    int nenv = 0, i = 8;
    struct sock_fprog filters[MAX_FILTERS];
    unsigned int filter_flags[MAX_FILTERS];
    const char *apparmor = NULL;
    int nfilters = 0, no_new_privs = 0;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc) fail("%s wants a value", argv[i]);
        if (strcmp(argv[i], "-c") == 0 && ncgroups < MAX_CGROUPS) {
            /* opened now, written by the command's process: these paths are the host's */
            if ((cgroups[ncgroups++] = open(argv[i + 1], O_WRONLY | O_CLOEXEC)) < 0)
                fail("%s: %s", argv[i + 1], strerror(errno));
        } else if (strcmp(argv[i], "-e") == 0 && nenv < MAX_ENV) {
            env[nenv++] = argv[i + 1];
        } else if (strcmp(argv[i], "-s") == 0 && nfilters < MAX_FILTERS) {
            if (!parse_filter(argv[i + 1], &filter_flags[nfilters], &filters[nfilters]))
                fail("not a seccomp filter: %.40s...", argv[i + 1]);
            nfilters++;
        } else if (strcmp(argv[i], "-n") == 0) {
            no_new_privs = strcmp(argv[i + 1], "1") == 0;
        } else if (strcmp(argv[i], "-a") == 0) {
            apparmor = argv[i + 1];
        } else {
            fail("unknown or too many: %s", argv[i]);
        }
    }
    if (i + 1 >= argc) fail("no command after --");
    char **command = argv + i + 1;

    take_limits(pid);
    /* the mount namespace last: entering it changes what /proc is */
    static const char *names[] = {"cgroup", "ipc", "uts", "net", "pid", "mnt"};
    static const int types[] = {CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS};
    int ns[6];
    for (int n = 0; n < 6; n++) ns[n] = namespace_of(pid, names[n]);
    /* checked after opening: had the pid been reused, those were another process's */
    if (start_time(pid) != started) fail("process %ld is no longer the container's", pid);
    for (int n = 0; n < 6; n++) {
        if (ns[n] >= 0 && setns(ns[n], types[n]) != 0) fail("entering %s namespace: %s", names[n], strerror(errno));
        if (ns[n] >= 0) close(ns[n]);
    }

    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) fail("pipe: %s", strerror(errno));
    if (write(1, "\1", 1) != 1) fail("stdout: %s", strerror(errno));
    pid_t child = fork();
    if (child < 0) fail("fork: %s", strerror(errno));
    if (child == 0) {
        if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(126);
        for (int c = 0; c < ncgroups; c++) {
            if (write(cgroups[c], "0", 1) != 1) cannot_start("joining the container's cgroup", errno);
            close(cgroups[c]);
        }
        /* confinement in runc's order: without no_new_privs a filter needs CAP_SYS_ADMIN, so it goes first */
        if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) cannot_start("setting no_new_privs", errno);
        if (apparmor) take_apparmor(apparmor);
        if (!no_new_privs) for (int f = 0; f < nfilters; f++) install_filter(filter_flags[f], &filters[f]);
        limit_caps(caps, 0); /* the bounding set, while CAP_SETPCAP is still held */
        take_user(uid, gid, groups);
        if (uid == 0) limit_caps(caps, 1);
        if (chdir(cwd) != 0) {
            char what[4200];
            snprintf(what, sizeof what, "chdir to cwd (\"%s\") set in config.json failed", cwd);
            cannot_start(what, errno);
        }
        /* as runc leaves it: no signal blocked or ignored (the JVM that started us blocks SIGQUIT) */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP) default_action(sig);
        }
        /* dies with the helper (whose death the daemon can see and cause) */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        env[nenv] = NULL;
        /* with no_new_privs, as late as can be: only the exec runs under the filters here */
        if (no_new_privs) for (int f = 0; f < nfilters; f++) install_filter(filter_flags[f], &filters[f]);
        environ = env; /* execvp looks the command up in the container's PATH */
        execvp(command[0], command);
        int err = errno;
        char what[4200];
        if (err == ENOENT && !strchr(command[0], '/')) {
            dprintf(1, "OCI runtime exec failed: exec failed: unable to start container process: exec: \"%s\":"
                    " executable file not found in $PATH: unknown\r\n", command[0]);
            _exit(126);
        }
        if (err == ENOENT) snprintf(what, sizeof what, "exec: \"%s\": stat %s", command[0], command[0]);
        else snprintf(what, sizeof what, "exec: \"%s\"", command[0]);
        cannot_start(what, err);
    }
    for (int c = 0; c < ncgroups; c++) close(cgroups[c]);
    close(out[1]);
    close(err[1]);
    relay(out[0], err[0]);
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) fail("waitpid: %s", strerror(errno));
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
