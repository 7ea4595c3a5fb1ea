package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.cirque.core.capability.CapabilityProvider;
import dev.cirque.core.home.Labels;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueDevice;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.CreateCirqueDeviceRequest;
import dev.cirque.proto.CreateCirqueHomeRequest;
import dev.cirque.proto.DeviceSpecification;
import dev.cirque.proto.ExecuteDeviceCommandRequest;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.StopCirqueHomeRequest;
import dev.cirque.server.plugin.EchoCapability;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A capability added by dropping a jar on the daemon's class path, asked for over gRPC and JSON. */
class PluginJarTest {

    @TempDir
    Path dir;

    @Test
    void aDroppedInJarAddsACapabilityToEveryFront() throws Exception {
        Path jar = pluginJar();
        int grpcPort = freePort();
        int httpPort = freePort();
        Process daemon = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path") + File.pathSeparator + jar,
                CirqueDaemon.class.getName(), "--grpc-address", "127.0.0.1:" + grpcPort,
                "--http-address", "127.0.0.1:" + httpPort).redirectErrorStream(true).start();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try (DockerEngine engine = DockerEngine.connect(null)) {
            String capabilities = awaitLine(daemon, "capabilities:");
            assertTrue(capabilities.contains("Echo"), capabilities);

            CirqueServiceGrpc.CirqueServiceBlockingStub stub = CirqueServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(2, TimeUnit.MINUTES);
            String home = stub.createCirqueHome(CreateCirqueHomeRequest.getDefaultInstance()).getHomeId();
            CirqueDevice node = stub.createCirqueDevice(CreateCirqueDeviceRequest.newBuilder().setHomeId(home)
                    .setSpecification(DeviceSpecification.newBuilder().setDeviceType(TestDaemon.NODE_IMAGE)
                            .putExtraCapabilities("Echo", Struct.newBuilder()
                                    .putFields("text", Value.newBuilder().setStringValue("over gRPC").build()).build()))
                    .build()).getDevice();
            assertEquals("over gRPC\n", stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder()
                    .setHomeId(home).setDeviceId(node.getDeviceId()).setCommand("sh -c 'echo $ECHO_TEXT'").build())
                    .getOutput());
            assertTrue(node.getDeviceSpecification().containsExtraCapabilities("Echo"), "echoed back");

            HttpResponse<String> made = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + httpPort + "/create_home")).POST(HttpRequest.BodyPublishers.ofString("""
                    {"d": {"type": "generic_node_image", "capability": ["Echo"],
                           "capability_params": {"Echo": {"text": "over JSON"}}},
                     "e": {"type": "generic_node_image", "capability": ["Echo"], "echo_text": "a flat key"}}""")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, made.statusCode(), made.body());
            String jsonHome = new ObjectMapper().readTree(made.body()).asText();
            // The plugin's own flat JSON key (its wire form) reaches it like capability_params does.
            Set<String> echoed = new HashSet<>();
            for (CirqueDevice d : stub.listCirqueHomeDevices(ListCirqueHomeDevicesRequest.newBuilder()
                    .setHomeId(jsonHome).build()).getDevicesList()) {
                echoed.add(stub.executeDeviceCommand(ExecuteDeviceCommandRequest.newBuilder().setHomeId(jsonHome)
                        .setDeviceId(d.getDeviceId()).setCommand("sh -c 'echo $ECHO_TEXT'").build()).getOutput());
            }
            assertEquals(Set.of("over JSON\n", "a flat key\n"), echoed);
            assertEquals(3, engine.containersLabelled(Labels.managed()).size());

            stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(home).build());
            stub.stopCirqueHome(StopCirqueHomeRequest.newBuilder().setHomeId(jsonHome).build());
            assertEquals(List.of(), engine.containersLabelled(Labels.managed()));
        } finally {
            channel.shutdownNow();
            daemon.toHandle().destroy();
            daemon.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** A jar holding the plugin's classes and the services file that announces it. */
    private Path pluginJar() throws Exception {
        Path jar = dir.resolve("echo-plugin.jar");
        Path classes = Path.of(EchoCapability.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path pkg = classes.resolve("dev/cirque/server/plugin");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            List<Path> files = new ArrayList<>();
            try (var s = Files.list(pkg)) {
                s.filter(p -> p.getFileName().toString().startsWith("EchoCapability")).forEach(files::add);
            }
            for (Path f : files) {
                out.putNextEntry(new JarEntry("dev/cirque/server/plugin/" + f.getFileName()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + CapabilityProvider.class.getName()));
            out.write((EchoCapability.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    /**
     * The daemon's output up to the line saying it listens (it must contain {@code text} by
     * then); the rest is drained in the background so the daemon never blocks on its pipe.
     */
    private static String awaitLine(Process p, String text) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            seen.append(line).append('\n');
            if (line.contains("gRPC listening")) {
                Thread drain = new Thread(() -> {
                    try {
                        r.transferTo(Writer.nullWriter());
                    } catch (IOException e) {
                        // the daemon ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                assertTrue(seen.indexOf(text) >= 0, "no '" + text + "' in:\n" + seen);
                return seen.toString();
            }
        }
        throw new AssertionError("daemon ended before listening:\n" + seen);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
