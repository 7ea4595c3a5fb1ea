package dev.cirque.server;

import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.capability.HostSettings;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Janitor;
import dev.cirque.core.recording.Recordings;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.server.wire.DeviceConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the core is wired: which engine (Docker), the host settings, the
 * start-up sweep, the media it shapes, the capabilities on the class path and the limits. The daemon and the
 * in-process CLI both start the core through it, so they cannot drift apart.
 */
public final class Composition implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Composition.class);

    private final DockerEngine engine;
    private final Media media;
    private final HomeService homes;

    private Composition(DockerEngine engine, Media media, HomeService homes) {
        this.engine = engine;
        this.media = media;
        this.homes = homes;
    }

    /** Connects to the engine (failing if it does not answer), sweeps unless told not to, and builds the core. */
    public static Composition start(HostOptions options) {
        DockerEngine engine = DockerEngine.connect(options.dockerHost, options.dockerTimeout(),
                options.execVia == HostOptions.ExecVia.auto);
        try {
            log.info("engine: {}", engine.ping());
            HostSettings host = options.hostSettings();
            if (host.mountPolicy().allowsAnyPath()) {
                log.warn("--mount-any-path: nodes may mount any host path but the host's own state");
            } else if (host.mountPolicy().allowedRoots().isEmpty()) {
                log.info("no --mount-root: Mount and Weave are refused (no host path may be mounted)");
            } else {
                log.info("mounts allowed under {}", host.mountPolicy().allowedRoots());
            }
            if (host.setting(DeviceConfigs.IGNORE_UNKNOWN_KEYS).isPresent()) {
                log.warn("--ignore-unknown-keys: device config keys cirque does not know are ignored, as Cirque"
                        + " did (each is logged when seen)");
            }
            if (options.keepOrphans) {
                log.info("--keep-orphans: not sweeping what earlier daemons left");
            } else {
                Janitor.Report swept = Janitor.sweep(engine, host.ledger());
                log.info("start-up sweep: {}", swept);
            }
            CapabilityRegistry capabilities = CapabilityRegistry.fromClassPath(host);
            log.info("capabilities: {}", capabilities.names());
            Media media = Media.start(host.ledger().allocator());
            Recordings recordings = options.recordings(host.ledger());
            if (recordings.on()) {
                log.info("flight recorder: {} bytes a home, {} in all (--recording-bytes, --recording-total-bytes)",
                        recordings.bytesPerHome(), recordings.totalBytes());
            } else {
                log.info("--recording-bytes 0: homes are not recorded");
            }
            HomeService homes = new HomeService(engine, capabilities, options.limits(), media.list(), recordings);
            if (options.warmHomes > 0) {
                homes.warmHomes(options.warmHomes);
                log.info("--warm-homes {}: spare homes are kept ready for the last {} topologies asked for",
                        options.warmHomes, HomeService.WARM_TOPOLOGIES);
            }
            return new Composition(engine, media, homes);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    public HomeService homes() {
        return homes;
    }

    public ContainerEngine engine() {
        return engine;
    }

    /** Where the engine is, for humans. */
    public String engineAddress() {
        return engine.host();
    }

    /** Tears every home down, then stops the media and lets the engine go. */
    @Override
    public void close() {
        homes.close();
        media.close();
        engine.close();
    }
}
