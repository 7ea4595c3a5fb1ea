package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.home.HomeEvent;
import dev.cirque.core.home.HomeEvents;
import dev.cirque.core.home.HomeService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The routes that answer as things happen: a command's output as it is printed, a home's events. */
final class StreamRoutes {

    private static final Logger log = LoggerFactory.getLogger(StreamRoutes.class);

    private final HomeService homes;
    private final ObjectMapper json;

    StreamRoutes(HomeService homes, ObjectMapper json) {
        this.homes = homes;
        this.json = json;
    }

    /**
     * Streams a command's output as it is produced. Headers go out with the first chunk, so
     * anything that fails before it (unknown device, bad command) is still a JSON error. A
     * client that hangs up is noticed at once, and its command is ended.
     */
    void command(HttpCall ex, String home, String device, String command) {
        AtomicBoolean started = new AtomicBoolean();
        try {
            int code = homes.execStreaming(home, device, command, null,
                    ContainerEngine.OutputSink.watching((stream, chunk) -> {
                        if (started.compareAndSet(false, true)) {
                            ex.startChunks("text/plain; charset=utf-8");
                        }
                        ex.writeChunk(chunk);
                    }, ex::gone));
            log.debug("streamed command in {} exited {}", device, code);
        } catch (CirqueException e) {
            if (ex.gone()) {
                log.info("streamed command in {}: the client went away; the command was ended", device);
                return;
            }
            if (!started.get()) {
                throw e;
            }
            // The status is gone; say it in the text, where the reader is looking.
            ex.writeChunk(("\n[cirque] " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (started.compareAndSet(false, true)) {
            ex.startChunks("text/plain; charset=utf-8"); // a command with no output still gets its (empty) reply
        }
        ex.endChunks();
    }

    /**
     * A home's events as Server-Sent Events (WatchHome's, as {@code id: SEQ}, {@code event: KIND},
     * {@code data: JSON}): first WATCHING, last HOME_STOPPED, a comment line every 15 s of
     * quiet. Without a home ({@code GET /events}), every home's, HOME_CREATED too, until the
     * client leaves. A reader slower than the events misses some (see HomeEvents); the next event's
     * {@code dropped} says how many. Written from the connection's event loop ({@link EventStream}):
     * a watcher holds no HTTP worker.
     */
    void events(HttpCall ex, String home) throws IOException {
        if (home != null) {
            homes.home(home); // an unknown home is a JSON 404, before the stream starts
        }
        HomeEvents.Subscription events = home == null ? homes.events().subscribeAll(HomeEvents.DEFAULT_CAPACITY)
                : homes.events().subscribe(home, HomeEvents.DEFAULT_CAPACITY);
        byte[] watching = sse(0, "WATCHING", json.createObjectNode().put("home_id", home == null ? "" : home));
        new EventStream(ex, events, this::sse, () -> home == null || homes.homes().stream()
                .anyMatch(h -> h.id().equals(home)), home != null).start(watching);
    }

    private byte[] sse(HomeEvent e) {
        ObjectNode data = json.createObjectNode().put("seq", e.seq()).put("at", e.at().toString())
                .put("kind", e.name()).put("home_id", e.homeId()).put("device_id", e.nodeId())
                .put("dropped", e.dropped());
        e.detail().forEach(data.putObject("detail")::put);
        try {
            return sse(e.seq(), e.name(), data);
        } catch (IOException impossible) {
            throw new java.io.UncheckedIOException(impossible); // a tree of strings always writes
        }
    }

    private byte[] sse(long id, String event, JsonNode data) throws IOException {
        return ("id: " + id + "\nevent: " + event + "\ndata: " + json.writeValueAsString(data) + "\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }

}
