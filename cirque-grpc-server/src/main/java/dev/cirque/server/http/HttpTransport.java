package dev.cirque.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server under Cirque's routes, on Netty. It bounds what a client can hold: a
 * connection that has not sent its whole request within the read timeout is closed (so
 * half-sent requests hold no thread and no fd for long), calls run on a fixed pool with a
 * bounded queue (past it 503), open connections are capped, and a client that hangs up
 * is closed at once, its fd released, its call told ({@link HttpCall#gone}).
 * One request per connection runs at a time; a pipelined one waits its turn.
 */
final class HttpTransport {

    private static final Logger log = LoggerFactory.getLogger(HttpTransport.class);
    private final HttpLimits limits;
    private final SslContext tls;
    private final Consumer<HttpCall> handler;
    private final EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup io = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final ThreadPoolExecutor workers;
    private final AtomicInteger open = new AtomicInteger();
    private final InetSocketAddress address;
    private Channel server;

    HttpTransport(InetSocketAddress address, SslContext tls, HttpLimits limits, Consumer<HttpCall> handler) {
        this.address = address;
        this.tls = tls;
        this.limits = limits;
        this.handler = handler;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4 * limits.workers()), r -> {
                    Thread t = new Thread(r, "cirque-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        workers.allowCoreThreadTimeOut(true);
    }

    /** Binds; throws what binding throws (the address in use, say). */
    void start() throws InterruptedException {
        server = new ServerBootstrap().group(acceptor, io).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (tls != null) {
                            p.addLast(tls.newHandler(ch.alloc()));
                        }
                        p.addLast(new HttpServerCodec(8192, 16384, 8192));
                        p.addLast(new HttpServerExpectContinueHandler());
                        p.addLast(new BodyLimit(limits.maxBodyBytes()));
                        p.addLast(new Connection());
                    }
                }).bind(address).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    void stop() {
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownNow();
    }

    /** Connections open now (for tests and logs). */
    int openConnections() {
        return open.get();
    }

    /** A JSON error reply the transport itself decides, then the connection is closed. */
    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
        ctx.writeAndFlush(errorReply(status, code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse errorReply(HttpResponseStatus status, String code, String message) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(HttpCall.errorBody(code, message, null)));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setContentLength(r, r.content().readableBytes());
        return r;
    }

    /** How long a refused request's sender may go on sending (discarded) after its answer. */
    private static final long LINGER_MS = 2000;

    /** The body cap, answered as JSON 413 like every other error. */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int max;

        BodyLimit(int max) {
            super(max);
            this.max = max;
        }

        /**
         * The client is usually still sending its body: closing at once would reset the connection
         * under it and lose the answer. So the answer goes out, our side of the connection is shut,
         * and what the client still sends is read and discarded (by the aggregator) until it closes,
         * or {@value #LINGER_MS} ms have passed (a "lingering close").
         */
        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            ctx.writeAndFlush(errorReply(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "RESOURCE_EXHAUSTED",
                    "request body over " + max + " bytes (--max-request-bytes)")).addListener(f -> {
                        if (ctx.channel() instanceof SocketChannel socket && f.isSuccess()) {
                            socket.shutdownOutput();
                        }
                        ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
                    });
        }
    }

    /** One connection: its read deadline, its turn-taking, the hand-off to a worker. */
    private final class Connection extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Queue<FullHttpRequest> waiting = new ArrayDeque<>();
        private ScheduledFuture<?> deadline;
        private boolean busy;
        private boolean counted;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            counted = true;
            if (open.incrementAndGet() > limits.maxConnections()) {
                log.warn("HTTP: {} connections open (--http-max-connections); closing a new one from {}",
                        limits.maxConnections(), ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            armDeadline(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (counted) {
                open.decrementAndGet();
            }
            cancelDeadline();
            waiting.forEach(FullHttpRequest::release);
            waiting.clear();
            ctx.fireChannelInactive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            cancelDeadline();
            if (request.decoderResult().isFailure()) {
                Throwable cause = request.decoderResult().cause();
                boolean tooLong = cause instanceof TooLongFrameException;
                refuse(ctx, tooLong ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                        tooLong ? "RESOURCE_EXHAUSTED" : "INVALID_ARGUMENT",
                        "malformed HTTP request: " + cause.getMessage());
                return;
            }
            if (busy) {
                waiting.add(request.retain()); // a pipelined request: after the one running
                ctx.channel().config().setAutoRead(false);
                return;
            }
            dispatch(ctx, request.retain());
        }

        private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
            busy = true;
            HttpCall call;
            try {
                call = new HttpCall(ctx.channel(), request.method().name(), request.uri(), request.headers(),
                        ByteBufUtil.getBytes(request.content()), HttpUtil.isKeepAlive(request),
                        request.protocolVersion(), () -> ctx.executor().execute(() -> next(ctx)));
            } finally {
                request.release();
            }
            // A client that leaves while its call waits for a worker frees its place in the queue
            // at once (the call is not run), rather than when a worker would have reached it.
            ChannelFutureListener[] leftWhileQueued = new ChannelFutureListener[1];
            Runnable task = () -> {
                ctx.channel().closeFuture().removeListener(leftWhileQueued[0]);
                run(call);
            };
            leftWhileQueued[0] = f -> workers.remove(task);
            try {
                workers.execute(task);
                ctx.channel().closeFuture().addListener(leftWhileQueued[0]);
            } catch (RejectedExecutionException e) {
                refuse(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", "the HTTP API is busy: "
                        + limits.workers() + " calls running and " + workers.getQueue().size()
                        + " waiting (--http-workers); try again");
            }
        }

        private void run(HttpCall call) {
            if (call.gone()) {
                log.debug("{} {}: the client left while the call waited for a worker; not run", call.method(),
                        call.rawPath());
                return;
            }
            Throwable failed = null;
            try {
                handler.accept(call);
            } catch (RuntimeException | LinkageError e) { // LinkageError: a plug-in built against another core
                failed = e;
                log.error("{} {}: unexpected", call.method(), call.rawPath(), e);
            } finally {
                if (!call.replied()) { // whatever went wrong, the client is not left waiting
                    call.reply(500, "application/json", HttpCall.errorBody("INTERNAL",
                            failed == null ? "no reply" : "unexpected error: " + failed, null));
                }
            }
        }

        /** After a reply went out whole: the next request, or wait for one (within the timeout). */
        private void next(ChannelHandlerContext ctx) {
            busy = false;
            FullHttpRequest request = waiting.poll();
            if (request != null) {
                dispatch(ctx, request);
                return;
            }
            ctx.channel().config().setAutoRead(true);
            armDeadline(ctx);
        }

        private void armDeadline(ChannelHandlerContext ctx) {
            cancelDeadline();
            deadline = ctx.executor().schedule(() -> {
                log.debug("HTTP: {} sent no whole request within {}; closing it", ctx.channel().remoteAddress(),
                        limits.readTimeout());
                ctx.close();
            }, limits.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        private void cancelDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HTTP connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
