package dev.cirque.server.http;

import dev.cirque.core.home.HomeEvent;
import dev.cirque.core.home.HomeEvents;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A home's events sent to one HTTP client as Server-Sent Events from the connection's own
 * event loop, so that a watcher holds a connection and a subscription but no HTTP worker:
 * open live views and {@code curl /events} do not take the workers other calls need.
 *
 * <p>Events are written while the connection is writable; the rest wait in the subscription's
 * bounded buffer, where its drop policy applies. A client that takes nothing for
 * {@value #STALLED_SECONDS} s is closed. A comment line goes out after {@value #QUIET_SECONDS}
 * s of quiet, and a home's stream ends when the home is gone.
 */
final class EventStream {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    static final long QUIET_SECONDS = 15;
    static final long STALLED_SECONDS = 30;
    private static final String HANDLER = "event-stream";

    private final HttpCall call;
    private final Channel channel;
    private final HomeEvents.Subscription events;
    private final Function<HomeEvent, byte[]> render;
    private final BooleanSupplier homeStillThere;
    private final boolean oneHome;
    // The fields below are the event loop's alone.
    private ScheduledFuture<?> quiet;
    private ScheduledFuture<?> stall;
    private long lastWrite = System.nanoTime();
    private boolean ended;

    /**
     * @param oneHome whether the stream is one home's (it ends with HOME_STOPPED) rather than
     *     every home's (it ends when the client leaves)
     */
    EventStream(HttpCall call, HomeEvents.Subscription events, Function<HomeEvent, byte[]> render,
            BooleanSupplier homeStillThere, boolean oneHome) {
        this.call = call;
        this.channel = call.channel();
        this.events = events;
        this.render = render;
        this.homeStillThere = homeStillThere;
        this.oneHome = oneHome;
    }

    /** Sends the headers and {@code first}, then every event as it comes; returns at once. */
    void start(byte[] first) {
        call.startChunks("text/event-stream");
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                events.close();
                return;
            }
            channel.closeFuture().addListener(f -> channel.eventLoop().execute(this::clientLeft));
            channel.pipeline().addLast(HANDLER, new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    drain();
                    ctx.fireChannelWritabilityChanged();
                }
            });
            events.onOffer(() -> channel.eventLoop().execute(this::drain));
            quiet = channel.eventLoop().scheduleAtFixedRate(this::whenQuiet, QUIET_SECONDS, QUIET_SECONDS,
                    TimeUnit.SECONDS);
            write(first);
            drain();
        });
    }

    /** Writes what the subscription holds, as long as the client takes it. */
    private void drain() {
        if (ended) {
            return;
        }
        boolean wrote = false;
        HomeEvent e;
        while (channel.isWritable() && (e = events.poll()) != null) {
            channel.write(chunk(render.apply(e)));
            wrote = true;
            if (oneHome && e.kind() == HomeEvent.Kind.HOME_STOPPED) {
                finish();
                return;
            }
        }
        if (wrote) {
            channel.flush();
            lastWrite = System.nanoTime();
        }
        if (channel.isWritable()) {
            cancel(stall);
            stall = null;
        } else if (stall == null) {
            stall = channel.eventLoop().schedule(this::stalled, STALLED_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void whenQuiet() {
        if (ended) {
            return;
        }
        if (!homeStillThere.getAsBoolean()) {
            finish(); // stopped before this watch began: its HOME_STOPPED was never ours
            return;
        }
        if (System.nanoTime() - lastWrite >= TimeUnit.SECONDS.toNanos(QUIET_SECONDS) && channel.isWritable()) {
            write(": still watching\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private void stalled() {
        if (!ended && !channel.isWritable()) {
            log.info("HTTP events to {}: nothing taken for {} s; closing", channel.remoteAddress(), STALLED_SECONDS);
            channel.close();
        }
    }

    private void write(byte[] bytes) {
        channel.writeAndFlush(chunk(bytes));
        lastWrite = System.nanoTime();
    }

    /** The stream's end: the chunked reply is closed, and a kept-alive connection takes its next request. */
    private void finish() {
        stop();
        call.endChunks();
    }

    private void clientLeft() {
        stop();
    }

    private void stop() {
        if (ended) {
            return;
        }
        ended = true;
        events.onOffer(() -> { });
        events.close();
        cancel(quiet);
        cancel(stall);
        if (channel.pipeline().get(HANDLER) != null) {
            channel.pipeline().remove(HANDLER);
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private static DefaultHttpContent chunk(byte[] bytes) {
        return new DefaultHttpContent(Unpooled.wrappedBuffer(bytes));
    }
}
