package dev.cirque.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import dev.cirque.core.engine.ContainerEngine.DeathListener;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's {@code die} events for containers with given labels, passed to a listener. The
 * event stream is opened again when it ends (dockerd restarted, a connection reset), from the
 * time of the last event seen, so that no death in between is missed.
 */
final class DeathWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeathWatch.class);

    private final DockerClient streams;
    private final Map<String, String> labels;
    private final DeathListener listener;
    private final Thread thread;
    private volatile boolean closed;
    private volatile ResultCallback.Adapter<Event> current;
    /** Docker's event time of the last event passed on (seconds): where a reopened stream starts. */
    private volatile long since;

    DeathWatch(DockerClient streams, Map<String, String> labels, DeathListener listener) {
        this.streams = streams;
        this.labels = Map.copyOf(labels);
        this.listener = listener;
        this.since = System.currentTimeMillis() / 1000;
        this.thread = new Thread(this::run, "cirque-docker-deaths");
        thread.setDaemon(true);
    }

    DeathWatch start() {
        thread.start();
        return this;
    }

    private void run() {
        while (!closed) {
            ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
                @Override
                public void onNext(Event e) {
                    since = Math.max(since, e.getTime() == null ? since : e.getTime());
                    Map<String, String> attributes = e.getActor() == null || e.getActor().getAttributes() == null
                            ? Map.of() : e.getActor().getAttributes();
                    int code;
                    try {
                        code = Integer.parseInt(attributes.getOrDefault("exitCode", "-1"));
                    } catch (NumberFormatException ex) {
                        code = -1;
                    }
                    java.time.Instant at = e.getTimeNano() != null
                            ? java.time.Instant.ofEpochSecond(0, e.getTimeNano())
                            : java.time.Instant.ofEpochSecond(e.getTime() == null ? 0 : e.getTime());
                    try {
                        listener.died(e.getId(), code, at);
                    } catch (RuntimeException ex) {
                        log.warn("a container death listener failed: {}", ex.toString(), ex);
                    }
                }
            };
            current = callback;
            try {
                streams.eventsCmd().withEventTypeFilter("container").withEventFilter("die")
                        .withLabelFilter(labels).withSince(Long.toString(since)).exec(callback);
                callback.awaitCompletion();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    log.warn("Docker's event stream failed ({}); opening it again", e.toString());
                }
            }
            if (!closed) {
                try {
                    TimeUnit.SECONDS.sleep(1); // not a busy loop while dockerd is away
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        ResultCallback.Adapter<Event> c = current;
        if (c != null) {
            try {
                c.close();
            } catch (java.io.IOException e) {
                log.debug("closing the event stream: {}", e.toString());
            }
        }
        thread.interrupt();
    }
}
