package dev.cirque.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import dev.cirque.core.engine.CappedOutput;
import dev.cirque.core.engine.ContainerEngine.OutputSink;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.testing.Eventually;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fast exec against real containers, each result compared with Docker's own exec of the
 * same command in the same container: what a command sees (environment, working directory,
 * user and groups, capabilities, cgroups, limits, seccomp and no_new_privs), what it gives back (output, stderr, exit
 * code, Docker's message for a command that cannot start), and its life (listed by docker
 * top, killed with the node, on timeout and when its caller leaves).
 */
@Tag("engine")
class FastExecTest {

    private static final String IMAGE = "cirque/generic-node:latest";
    private static final String LABEL = "dev.cirque.test";
    private static final List<String> WHAT_IT_SEES = List.of("sh", "-c",
            "id; pwd; env | sort; grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|Sig(Blk|Ign)|NoNewPrivs|Seccomp.*)' /proc/self/status;"
                    + " cat /proc/self/cgroup;"
                    + " ulimit -n; ulimit -s; hostname");

    /**
     * What confinement shows: the kernel's view, the AppArmor label (where the host enforces
     * AppArmor), and calls Docker's seccomp profile refuses (a user namespace, keyctl).
     */
    private static final List<String> CONFINEMENT = List.of("sh", "-c",
            "grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs):' /proc/self/status;"
                    + " echo \"label $(cat /proc/self/attr/current 2>/dev/null)\";"
                    + " if unshare -Ur true; then echo unshare allowed; else echo unshare refused; fi;"
                    + " perl -e '$r = syscall(" + keyctlSyscall() + ", 0, -1, 0); print \"keyctl $r $!\\n\"'");

    private static DockerClient docker;
    private static DockerEngine fast;
    private static DockerEngine viaDocker;
    private static final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void engines() {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).build());
        fast = DockerEngine.connect(null, Duration.ofSeconds(60), true);
        viaDocker = DockerEngine.connect(null, Duration.ofSeconds(60), false);
        assumeTrue(fast.fastExecAvailable(), "no fast exec here (not root, or built without a C compiler): see the log");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        containers.forEach(id -> docker.removeContainerCmd(id).withForce(true).exec());
        assertTrue(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL, "fast-exec")).exec()
                .isEmpty(), "containers left");
        if (fast != null) {
            fast.close();
            viaDocker.close();
        }
        docker.close();
    }

    private static String container(Consumer<CreateContainerCmd> how) {
        CreateContainerCmd cmd = docker.createContainerCmd(IMAGE).withCmd("sleep", "infinity")
                .withLabels(Map.of(LABEL, "fast-exec"));
        how.accept(cmd);
        String id = cmd.exec().getId();
        containers.add(id);
        docker.startContainerCmd(id).exec();
        return id;
    }

    @Test
    void aCommandSeesWhatDockersExecGivesIt() {
        String plain = container(c -> {});
        String tuned = container(c -> c.withEnv("PATH=/opt/bin:/usr/bin:/bin", "GREETING=a b=c", "EMPTY=")
                .withWorkingDir("/var/tmp").withHostName("tuned-node").withHostConfig(HostConfig.newHostConfig()
                        .withCapAdd(Capability.NET_ADMIN).withCapDrop(Capability.NET_RAW, Capability.CHOWN)
                        .withGroupAdd(List.of("audio", "4321"))));
        for (String id : List.of(plain, tuned)) {
            assertTrue(fast.fastExecFor(id), "the fast path holds for a local running container");
            assertSame(id, WHAT_IT_SEES);
        }
        // Users as runc resolves them: a name, with its own groups; a number it does not know; user:group.
        for (String user : List.of("nobody", "daemon", "1234", "1234:tty", "www-data:42")) {
            String id = container(c -> c.withUser(user));
            assertTrue(fast.fastExecFor(id), user);
            assertSame(id, WHAT_IT_SEES);
        }
        ExecResult sees = fast.exec(tuned, WHAT_IT_SEES, Duration.ofSeconds(10));
        assertTrue(sees.output().contains("GREETING=a b=c\n") && sees.output().contains("/var/tmp\n")
                && sees.output().contains("tuned-node"), sees.output());
    }

    @Test
    void aCommandRunsUnderTheContainersOwnConfinementAsWithDockersExec() {
        String confined = container(c -> {});
        String unconfined = container(c -> c.withHostConfig(HostConfig.newHostConfig()
                .withSecurityOpts(List.of("seccomp=unconfined"))));
        String noNewPrivileges = container(c -> c.withHostConfig(HostConfig.newHostConfig()
                .withSecurityOpts(List.of("no-new-privileges"))));
        // Docker's profile allows more to a container with CAP_SYS_ADMIN: the copied filter must too.
        String sysAdmin = container(c -> c.withHostConfig(HostConfig.newHostConfig().withCapAdd(Capability.SYS_ADMIN)));
        // A user without capabilities: the filter goes on before the user is taken (it needs CAP_SYS_ADMIN then).
        String nobody = container(c -> c.withUser("nobody").withHostConfig(HostConfig.newHostConfig()
                .withSecurityOpts(List.of("no-new-privileges"))));
        for (String id : List.of(confined, unconfined, noNewPrivileges, sysAdmin, nobody)) {
            assertTrue(fast.fastExecFor(id), "the fast path holds for " + id);
            assertSame(id, CONFINEMENT);
        }
        String seen = fast.exec(confined, CONFINEMENT, Duration.ofSeconds(10)).output();
        assertTrue(seen.contains("Seccomp:\t2") && seen.contains("NoNewPrivs:\t0") && seen.contains("unshare refused")
                && seen.contains("keyctl -1 Operation not permitted"), seen);
        seen = fast.exec(unconfined, CONFINEMENT, Duration.ofSeconds(10)).output();
        assertTrue(seen.contains("Seccomp:\t0") && !seen.contains("keyctl -1 Operation not permitted"), seen);
        seen = fast.exec(noNewPrivileges, CONFINEMENT, Duration.ofSeconds(10)).output();
        assertTrue(seen.contains("Seccomp:\t2") && seen.contains("NoNewPrivs:\t1"), seen);
        if (docker.infoCmd().exec().getSecurityOptions().stream().anyMatch(o -> o.contains("apparmor"))) {
            seen = fast.exec(confined, CONFINEMENT, Duration.ofSeconds(10)).output();
            assertTrue(seen.contains("label docker-default (enforce)"), seen);
        }
    }

    private static int keyctlSyscall() {
        return switch (System.getProperty("os.arch")) {
            case "aarch64" -> 219;
            default -> 250; // x86_64
        };
    }

    @Test
    void outputStderrExitCodesAndCommandsThatCannotStartAreDockers() {
        String id = container(c -> c.withWorkingDir("/gone-soon"));
        List<List<String>> commands = List.of(List.of("sh", "-c", "echo out; echo err >&2; exit 7"),
                List.of("no-such-command"), List.of("/no/such/file"), List.of("/etc/passwd"), List.of("true"),
                List.of("sh", "-c", "kill -9 $$"));
        for (List<String> argv : commands) {
            assertSame(id, argv);
        }
        Streams s = new Streams();
        assertEquals(7, fast.exec(id, List.of("sh", "-c", "echo out; echo err >&2; exit 7"), Duration.ofSeconds(10), s));
        assertEquals("out\n", s.text(OutputSink.Stream.STDOUT));
        assertEquals("err\n", s.text(OutputSink.Stream.STDERR));
        // A working directory that is gone: both refuse the same way.
        fast.exec(id, List.of("rmdir", "/gone-soon"), Duration.ofSeconds(10));
        assertSame(id, List.of("true"));
        assertEquals(126, fast.exec(id, List.of("true"), Duration.ofSeconds(10)).exitCode());
    }

    @Test
    void theCommandIsTheNodesListedByDockerTopAndKilledWithIt() throws Exception {
        String id = container(c -> {});
        CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() ->
                fast.exec(id, List.of("sleep", "1234"), null, new CappedOutput(1000)));
        long hostPid = awaitTop(id, "sleep 1234");
        // In the node's cgroups, so counted with it.
        long nodePid = docker.inspectContainerCmd(id).exec().getState().getPidLong();
        List<java.nio.file.Path> cgroups = ProcFiles.cgroupProcsFiles(nodePid);
        assertFalse(cgroups.isEmpty());
        for (java.nio.file.Path procs : cgroups) {
            assertTrue(java.nio.file.Files.readAllLines(procs).contains(Long.toString(hostPid)), procs.toString());
        }
        docker.stopContainerCmd(id).withTimeout(1).exec();
        int code = running.get(30, TimeUnit.SECONDS);
        assertEquals(137, code, "killed with the node, as Docker's exec is");
        assertFalse(ProcessHandle.of(hostPid).isPresent());
        assertFalse(fast.fastExecFor(id), "a stopped container falls to Docker's exec, which says why");
        CirqueException e = assertThrows(CirqueException.class, () -> fast.exec(id, List.of("true"),
                Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("is not running"), e.getMessage());
    }

    @Test
    void aCommandPastItsDeadlineOrLeftByItsCallerIsKilledWithItsChildren() throws Exception {
        String id = container(c -> {});
        CirqueException late = assertThrows(CirqueException.class, () -> fast.exec(id,
                List.of("sh", "-c", "sleep 2345 & sleep 2346"), Duration.ofMillis(700)));
        assertEquals(Kind.DEADLINE_EXCEEDED, late.kind());
        assertTrue(top(id).stream().noneMatch(l -> l.contains("sleep 234")), "children killed too");

        AtomicBoolean gone = new AtomicBoolean();
        CompletableFuture<Integer> streamed = CompletableFuture.supplyAsync(() -> fast.exec(id,
                List.of("sleep", "3456"), null, OutputSink.watching((stream, chunk) -> {}, gone::get)));
        awaitTop(id, "sleep 3456");
        gone.set(true);
        Exception left = assertThrows(Exception.class, () -> streamed.get(10, TimeUnit.SECONDS));
        assertTrue(left.getCause() instanceof CirqueException c && c.kind() == Kind.DEADLINE_EXCEEDED, left.toString());
        assertTrue(top(id).stream().noneMatch(l -> l.contains("sleep 3456")));
    }

    @Test
    void whereTheFastPathCannotHoldDockersExecRuns() throws Exception {
        String id = container(c -> c.withUser("nobody"));
        // An engine reached over TCP may be another machine's: its pids are not this host's.
        try (TcpToDockerSocket proxy = new TcpToDockerSocket();
                DockerEngine remote = DockerEngine.connect("tcp://127.0.0.1:" + proxy.port(), Duration.ofSeconds(30),
                        true)) {
            assertFalse(remote.fastExecAvailable());
            Streams viaFast = new Streams();
            Streams viaRemote = new Streams();
            assertEquals(fast.exec(id, WHAT_IT_SEES, Duration.ofSeconds(10), viaFast),
                    remote.exec(id, WHAT_IT_SEES, Duration.ofSeconds(10), viaRemote));
            assertEquals(viaFast.text(OutputSink.Stream.STDOUT), viaRemote.text(OutputSink.Stream.STDOUT));
        }
    }

    /** A TCP port in front of Docker's unix socket, as a remote DOCKER_HOST would be. */
    private static final class TcpToDockerSocket implements AutoCloseable {
        private final java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()
                .bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        private final Thread acceptor = new Thread(this::serve, "tcp-to-docker");

        TcpToDockerSocket() throws java.io.IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() throws java.io.IOException {
            return ((java.net.InetSocketAddress) server.getLocalAddress()).getPort();
        }

        private void serve() {
            try {
                while (true) {
                    java.nio.channels.SocketChannel client = server.accept();
                    java.nio.channels.SocketChannel docker = java.nio.channels.SocketChannel.open(
                            java.net.UnixDomainSocketAddress.of("/var/run/docker.sock"));
                    copy(client, docker);
                    copy(docker, client);
                }
            } catch (java.io.IOException closed) {
                // close() ends it
            }
        }

        private static void copy(java.nio.channels.SocketChannel from, java.nio.channels.SocketChannel to) {
            Thread t = new Thread(() -> {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(65536);
                try (from; to) {
                    while (from.read(buf) >= 0) {
                        buf.flip();
                        while (buf.hasRemaining()) {
                            to.write(buf);
                        }
                        buf.clear();
                    }
                } catch (java.io.IOException e) {
                    // either side closed
                }
            });
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    /**
     * The same command, the same answer: fast path and Docker's exec, stream by stream (the order
     * between stdout and stderr is not Docker's to keep: its multiplexed stream varies run to run).
     */
    private static void assertSame(String id, List<String> argv) {
        Streams viaFast = new Streams();
        Streams viaExec = new Streams();
        int fastCode = fast.exec(id, argv, Duration.ofSeconds(10), viaFast);
        int execCode = viaDocker.exec(id, argv, Duration.ofSeconds(10), viaExec);
        assertEquals(execCode, fastCode, "exit code, fast path vs Docker's exec, of " + argv);
        for (OutputSink.Stream stream : OutputSink.Stream.values()) {
            assertEquals(viaExec.text(stream), viaFast.text(stream), stream + ", fast path vs Docker's exec, of " + argv);
        }
    }

    private static long awaitTop(String id, String command) {
        return Eventually.await(command + " listed by docker top", Duration.ofSeconds(10), Duration.ofMillis(20),
                () -> java.util.Arrays.stream(docker.topContainerCmd(id).withPsArgs("-o pid,args").exec().getProcesses())
                        .filter(p -> p[1].equals(command)).map(p -> Long.parseLong(p[0].trim())).findFirst(),
                () -> top(id).toString());
    }

    private static List<String> top(String id) {
        return java.util.Arrays.stream(docker.topContainerCmd(id).withPsArgs("-o pid,args").exec().getProcesses())
                .map(p -> String.join(" ", p)).toList();
    }

    /** Keeps stdout and stderr apart. */
    private static final class Streams implements OutputSink {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();

        @Override
        public synchronized void accept(Stream stream, byte[] chunk) {
            (stream == Stream.STDOUT ? out : err).writeBytes(chunk);
        }

        synchronized String text(Stream stream) {
            return (stream == Stream.STDOUT ? out : err).toString(StandardCharsets.UTF_8);
        }
    }
}
