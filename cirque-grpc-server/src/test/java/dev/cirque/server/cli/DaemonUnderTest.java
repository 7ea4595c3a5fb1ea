package dev.cirque.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Labels;
import dev.cirque.core.home.Limits;
import dev.cirque.core.host.HostLedger;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.server.DaemonServer;
import dev.cirque.server.Media;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A real daemon on loopback for the command line's tests (the real engine, its media, gRPC
 * and optionally HTTP), and the check, when it stops, that nothing made after it started is
 * left: what other tests had made before is theirs to answer for.
 */
final class DaemonUnderTest implements AutoCloseable {

    final DockerEngine engine = DockerEngine.connect(null);
    final DaemonServer server;
    private final Media media;
    private final List<String> existing;

    DaemonUnderTest(boolean http) throws Exception {
        existing = labelled();
        media = Media.start(HostLedger.defaultLedger().allocator());
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        server = new DaemonServer(new HomeService(engine, CapabilityRegistry.fromClassPath(), Limits.defaults(),
                media.list()), loopback, http ? loopback : null).start();
    }

    String connect() {
        return "127.0.0.1:" + server.port();
    }

    private List<String> labelled() {
        List<String> all = new ArrayList<>(engine.containersLabelled(Labels.managed()));
        all.addAll(engine.networksLabelled(Labels.managed()));
        return all;
    }

    @Override
    public void close() {
        server.stop();
        media.close();
        List<String> left = labelled();
        left.removeAll(existing);
        engine.close();
        assertEquals(List.of(), left, "what the daemon under test (and CLIs beside it) made and left");
    }
}
