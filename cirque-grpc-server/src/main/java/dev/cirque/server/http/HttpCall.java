package dev.cirque.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP request, read whole, and its reply: either one {@link #reply} or a chunked one
 * ({@link #startChunks}, {@link #writeChunk}, {@link #endChunks}). Replies may be written from
 * any thread. {@link #gone} turns true as soon as the client closes its connection, whether
 * or not anything was being written to it.
 */
final class HttpCall {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How long a chunk may wait for a client that does not read before the client counts as gone. */
    private static final long STALLED_CLIENT_SECONDS = 30;

    private final Channel channel;
    private final String method;
    private final String uri;
    private final HttpHeaders headers;
    private final byte[] body;
    private final boolean keepAlive;
    private final HttpVersion version;
    private final Runnable done;
    private volatile boolean gone;
    private boolean replied;
    /** Told when the connection closes; taken off once the reply is out, so a kept-alive connection collects none. */
    private final ChannelFutureListener onClose = f -> gone = true;

    HttpCall(Channel channel, String method, String uri, HttpHeaders headers, byte[] body, boolean keepAlive,
            HttpVersion version, Runnable done) {
        this.channel = channel;
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.keepAlive = keepAlive;
        this.version = version;
        this.done = done;
        channel.closeFuture().addListener(onClose);
    }

    String method() {
        return method;
    }

    /** The path as sent, still percent-encoded. */
    String rawPath() {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        return path.isEmpty() ? "/" : path;
    }

    /** The query as sent, or null. */
    String rawQuery() {
        int q = uri.indexOf('?');
        return q < 0 ? null : uri.substring(q + 1);
    }

    /** A request header, or null. */
    String header(String name) {
        return headers.get(name);
    }

    byte[] body() {
        return body;
    }

    /** The connection, for a reply written from its event loop ({@link EventStream}). */
    Channel channel() {
        return channel;
    }

    boolean gone() {
        return gone;
    }

    boolean replied() {
        return replied;
    }

    /** The whole reply at once; {@code extra} are header name/value pairs. */
    synchronized void reply(int status, String contentType, byte[] content, String... extra) {
        if (replied) {
            return;
        }
        replied = true;
        FullHttpResponse r = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(content));
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            r.headers().set(extra[i], extra[i + 1]);
        }
        HttpUtil.setContentLength(r, content.length);
        connectionHeader(r);
        finish(channel.writeAndFlush(r));
    }

    /** Starts a chunked reply: status 200 and {@code contentType}. */
    synchronized void startChunks(String contentType) {
        replied = true;
        HttpResponse r = new DefaultHttpResponse(version, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setTransferEncodingChunked(r, true);
        connectionHeader(r);
        channel.writeAndFlush(r);
    }

    /**
     * Sends a chunk. When the client reads slower than the output comes, this waits for it
     * (bounded), so nothing piles up in memory; a client that stalls counts as gone.
     *
     * @return false when the client is gone
     */
    boolean writeChunk(byte[] chunk) {
        if (gone) {
            return false;
        }
        if (chunk.length == 0) {
            return true;
        }
        ChannelFuture f = channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
        if (!channel.isWritable() && !f.awaitUninterruptibly(STALLED_CLIENT_SECONDS, TimeUnit.SECONDS)) {
            gone = true;
            channel.close();
        }
        return !gone;
    }

    void endChunks() {
        finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
    }

    private void finish(ChannelFuture written) {
        written.addListener(f -> channel.closeFuture().removeListener(onClose));
        if (!keepAlive) {
            written.addListener(f -> channel.close());
            return;
        }
        written.addListener(f -> {
            if (f.isSuccess()) {
                done.run();
            } else {
                channel.close();
            }
        });
    }

    /** Says whether the connection stays open: explicit for HTTP/1.0 keep-alive and for a close. */
    private void connectionHeader(HttpResponse r) {
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /**
     * The body of every error reply, whoever decides it (a route, the core, the transport):
     * {@code {"code": ..., "error": ..., "device"?: ...}}.
     */
    static byte[] errorBody(String code, String message, String device) {
        ObjectNode body = JSON.createObjectNode();
        body.put("code", code);
        body.put("error", message);
        if (device != null) {
            body.put("device", device);
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }
}
