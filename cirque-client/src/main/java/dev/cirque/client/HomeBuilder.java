package dev.cirque.client;

import dev.cirque.proto.CreateCirqueHomeWithDevicesRequest;
import dev.cirque.proto.CreateCirqueHomeWithDevicesResponse;
import dev.cirque.proto.DeviceSpecification;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A home to create: devices one by one ({@link #device}), or a topology file in Cirque's
 * create_home JSON ({@link #topologyFile}, {@link #topologyResource}), which the daemon reads as
 * its HTTP route does. All devices are created concurrently, all or nothing.
 */
public final class HomeBuilder {

    private final CirqueClient client;
    private final Map<String, DeviceSpecification> devices = new LinkedHashMap<>();
    private String topologyJson = "";

    HomeBuilder(CirqueClient client) {
        this.client = client;
    }

    /** A device running {@code image} (Cirque's device type), with no capability. */
    public HomeBuilder device(String key, String image) {
        return device(key, DeviceSpecification.newBuilder().setDeviceType(image));
    }

    /** A device as the proto spells it: capabilities, base image, network. */
    public HomeBuilder device(String key, DeviceSpecification.Builder spec) {
        devices.put(key, spec.build());
        return this;
    }

    /** The devices of a topology file ({@code {"device0": {"type": ..., "capability": [...]}}}). */
    public HomeBuilder topologyFile(Path file) {
        try {
            return topologyJson(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("the topology file " + file + " cannot be read", e);
        }
    }

    /** As {@link #topologyFile}, from the class path (e.g. a test's resources). */
    public HomeBuilder topologyResource(String name) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (InputStream in = loader.getResourceAsStream(name.startsWith("/") ? name.substring(1) : name)) {
            if (in == null) {
                throw new IllegalArgumentException("no topology " + name + " on the class path");
            }
            return topologyJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("the topology " + name + " cannot be read", e);
        }
    }

    /** A topology as Cirque's create_home JSON text. */
    public HomeBuilder topologyJson(String json) {
        if (!devices.isEmpty()) {
            throw new IllegalStateException("devices were given one by one already: a topology replaces them");
        }
        this.topologyJson = json;
        return this;
    }

    /** Creates the home and all its devices; a failure removes the whole home and names the device. */
    public Home create() {
        CreateCirqueHomeWithDevicesRequest request = CreateCirqueHomeWithDevicesRequest.newBuilder()
                .putAllDevices(devices).setTopologyJson(topologyJson).build();
        CreateCirqueHomeWithDevicesResponse made = Calls.call(() -> client.stub().createCirqueHomeWithDevices(request));
        return new Home(client, made.getHomeId(), new LinkedHashMap<>(made.getDevicesMap()));
    }
}
