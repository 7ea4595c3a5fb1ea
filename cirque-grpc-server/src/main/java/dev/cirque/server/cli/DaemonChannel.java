package dev.cirque.server.cli;

import dev.cirque.proto.CirqueServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The command line's gRPC channel to a daemon, with an event loop of its own that ends with it.
 * A one-shot call opens it {@link Early early}, on a second thread while picocli builds its
 * model: each takes about a fifth of a second (gRPC's, Netty's and the protos' classes, the
 * connection), and the machine has a CPU for each.
 */
final class DaemonChannel implements AutoCloseable {

    final String target;
    final ManagedChannel channel;
    /**
     * Its own loop, not gRPC's shared one, which outlives the channel by a second: a thread
     * left waiting in epoll holds the JVM's exit for 0.3 s (the VM waits for threads in native
     * code).
     */
    private final EventLoopGroup loop;

    private DaemonChannel(String target) {
        // Netty would log through SLF4J, starting logback for nothing: the CLI says what went wrong.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        this.target = target;
        this.loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        // Netty's channel builder directly: no lookup of channel providers.
        this.channel = NettyChannelBuilder.forTarget(target).usePlaintext()
                .eventLoopGroup(loop).channelType(NioSocketChannel.class).build();
    }

    static DaemonChannel open(String target) {
        return new DaemonChannel(target);
    }

    /**
     * The channel to the daemon that {@code --connect} in a command's arguments names, made on
     * another thread (connecting too) while picocli parses them. Only a head start: the command
     * takes the target picocli parsed, and this channel only if it is the same.
     */
    static final class Early {

        private CompletableFuture<DaemonChannel> made;

        Early(String[] args) {
            String target = null;
            // Up to "--": what follows is a node's command line, not the CLI's.
            for (int i = 0; i < args.length && target == null && !args[i].equals("--"); i++) {
                if (args[i].equals("--connect") && i + 1 < args.length) {
                    target = args[i + 1];
                } else if (args[i].startsWith("--connect=")) {
                    target = args[i].substring("--connect=".length());
                }
            }
            String named = target;
            made = named == null ? null : CompletableFuture.supplyAsync(() -> {
                DaemonChannel channel = open(named);
                channel.channel.getState(true); // connect now
                CirqueServiceGrpc.getServiceDescriptor(); // the protos' descriptors, built once
                return channel;
            }, r -> {
                Thread t = new Thread(r, "cirque-cli-connect");
                t.setDaemon(true);
                t.start();
            });
        }

        /** The early channel if it is to this target, else a new one (the early one closed). */
        synchronized DaemonChannel to(String target) {
            DaemonChannel early = take();
            if (early != null && early.target.equals(target)) {
                return early;
            }
            if (early != null) {
                early.close();
            }
            return open(target);
        }

        /** Closes a channel the call never needed (--help, a usage error). */
        synchronized void discard() {
            DaemonChannel early = take();
            if (early != null) {
                early.close();
            }
        }

        /** Null when none was begun or it failed: a channel made in the command's turn says why. */
        private DaemonChannel take() {
            CompletableFuture<DaemonChannel> begun = made;
            made = null;
            return begun == null ? null : begun.exceptionally(failure -> null).join();
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
            loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
