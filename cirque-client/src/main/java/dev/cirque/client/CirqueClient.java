package dev.cirque.client;

import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.MediumServiceGrpc;
import dev.cirque.proto.RecordingServiceGrpc;
import dev.cirque.proto.HoldSessionRequest;
import dev.cirque.proto.ListCirqueHomeDevicesRequest;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.proto.SessionHeld;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection to a cirque daemon. Start from {@link #connect(String)}:
 *
 * <pre>{@code
 * try (CirqueClient cirque = CirqueClient.connect("127.0.0.1:50051").withToken(token).open();
 *      Home home = cirque.newHome().device("a", "generic_node_image").device("b", "generic_node_image").create()) {
 *     home.node("a").waitFor(Wait.forCommand("ip link show eth0"));
 *     home.node("a").exec("ping -c 1 " + home.node("b").ipv4()).assertSucceeded();
 * }
 * }</pre>
 *
 * Thread-safe; one connection for the client's life. The homes it makes are bound to it: when
 * it closes, or its process dies, the daemon stops those still running (unless
 * {@link Builder#keepHomesAfterClose()}).
 */
public final class CirqueClient implements AutoCloseable {

    private static final Metadata.Key<String> SESSION = Metadata.Key.of("cirque-session",
            Metadata.ASCII_STRING_MARSHALLER);

    /** Where a client that was not told finds the daemon: {@code CIRQUE_ADDRESS}, else this. */
    public static final String DEFAULT_ADDRESS = "127.0.0.1:50051";

    private final ManagedChannel channel;
    private final CirqueServiceGrpc.CirqueServiceBlockingStub stub;
    private final MediumServiceGrpc.MediumServiceBlockingStub mediumStub;
    private final RecordingServiceGrpc.RecordingServiceBlockingStub recordingStub;
    private final Duration deadline;

    private CirqueClient(ManagedChannel channel, io.grpc.ClientInterceptor attach, Duration deadline) {
        this.channel = channel;
        this.stub = CirqueServiceGrpc.newBlockingStub(channel).withInterceptors(attach);
        this.mediumStub = MediumServiceGrpc.newBlockingStub(channel).withInterceptors(attach);
        this.recordingStub = RecordingServiceGrpc.newBlockingStub(channel).withInterceptors(attach);
        this.deadline = deadline;
    }

    /** A daemon at {@code target} ({@code host:port}, or any gRPC target such as {@code dns:///host:port}). */
    public static Builder connect(String target) {
        return new Builder(target);
    }

    /**
     * The daemon the environment names: {@code CIRQUE_ADDRESS} (else {@value #DEFAULT_ADDRESS}),
     * {@code CIRQUE_TOKEN} or {@code CIRQUE_TOKEN_FILE}, and {@code CIRQUE_TLS_CA} (a PEM file:
     * then TLS) as system properties ({@code cirque.address} ...) or environment variables.
     */
    public static Builder fromEnvironment() {
        Builder b = connect(setting("CIRQUE_ADDRESS", DEFAULT_ADDRESS));
        String token = setting("CIRQUE_TOKEN", "");
        String tokenFile = setting("CIRQUE_TOKEN_FILE", "");
        if (!token.isEmpty()) {
            b.withToken(token);
        } else if (!tokenFile.isEmpty()) {
            b.withTokenFile(Path.of(tokenFile));
        }
        String ca = setting("CIRQUE_TLS_CA", "");
        if (!ca.isEmpty()) {
            b.withTls(Path.of(ca));
        }
        return b;
    }

    private static String setting(String env, String otherwise) {
        String property = System.getProperty(env.toLowerCase(java.util.Locale.ROOT).replace('_', '.'));
        if (property != null && !property.isBlank()) {
            return property.strip();
        }
        String value = System.getenv(env);
        return value == null || value.isBlank() ? otherwise : value.strip();
    }

    /** How to reach the daemon: token, TLS, the deadline of each call. */
    public static final class Builder {
        private final String target;
        private String token;
        private ChannelCredentials credentials = InsecureChannelCredentials.create();
        private Duration deadline = Duration.ofMinutes(5);
        private boolean keepHomes;

        private Builder(String target) {
            this.target = target;
        }

        /** The daemon's bearer token ({@code --token-file}). */
        public Builder withToken(String token) {
            this.token = token == null ? null : token.strip();
            return this;
        }

        public Builder withTokenFile(Path file) {
            try {
                return withToken(Files.readString(file));
            } catch (IOException e) {
                throw new UncheckedIOException("the token file " + file + " cannot be read", e);
            }
        }

        /** TLS, trusting the daemon's certificate through the CA in {@code caPem} ({@code --tls-cert}). */
        public Builder withTls(Path caPem) {
            try {
                credentials = TlsChannelCredentials.newBuilder().trustManager(caPem.toFile()).build();
            } catch (IOException e) {
                throw new UncheckedIOException("the CA certificate " + caPem + " cannot be read", e);
            }
            return this;
        }

        /** TLS with a client certificate too, for a daemon started with {@code --tls-client-ca}. */
        public Builder withTls(Path caPem, Path clientCertPem, Path clientKeyPem) {
            try {
                credentials = TlsChannelCredentials.newBuilder().trustManager(caPem.toFile())
                        .keyManager(clientCertPem.toFile(), clientKeyPem.toFile()).build();
            } catch (IOException e) {
                throw new UncheckedIOException("a TLS file cannot be read", e);
            }
            return this;
        }

        /** The time limit of each call (default 5 minutes: creating a large home takes a while). */
        public Builder withDeadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /**
         * Lets the homes this client makes outlive it. By default they are bound to the client:
         * when it closes, or its process dies, the daemon stops those it did not stop itself.
         */
        public Builder keepHomesAfterClose() {
            keepHomes = true;
            return this;
        }

        public CirqueClient open() {
            ManagedChannel channel = Grpc.newChannelBuilder(target, credentials).build();
            Metadata headers = new Metadata();
            if (token != null && !token.isEmpty()) {
                headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            }
            String session = keepHomes ? null : UUID.randomUUID().toString();
            if (session != null) {
                headers.put(SESSION, session);
            }
            io.grpc.ClientInterceptor attach = MetadataUtils.newAttachHeadersInterceptor(headers);
            CirqueClient client = new CirqueClient(channel, attach, deadline);
            if (session != null) {
                try {
                    hold(CirqueServiceGrpc.newStub(channel).withInterceptors(attach), session);
                } catch (RuntimeException e) {
                    client.close();
                    throw e;
                }
            }
            return client;
        }

        /** Opens the call that binds this client's homes to its life, and waits until the daemon holds it. */
        private void hold(CirqueServiceGrpc.CirqueServiceStub async, String session) {
            CompletableFuture<Void> held = new CompletableFuture<>();
            async.holdSession(HoldSessionRequest.newBuilder().setSessionId(session).build(), new StreamObserver<>() {
                @Override
                public void onNext(SessionHeld value) {
                    held.complete(null);
                }

                @Override
                public void onError(Throwable t) {
                    held.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    held.complete(null);
                }
            });
            try {
                held.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof StatusRuntimeException s
                        && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                    return; // a daemon without sessions: homes then outlive the client
                }
                throw e.getCause() instanceof StatusRuntimeException s ? new CirqueException(s)
                        : new IllegalStateException("holding a session: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("the daemon at " + target + " did not answer within " + deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting to " + target);
            }
        }
    }

    /** A new home, described device by device or by a topology file, then {@link HomeBuilder#create()}. */
    public HomeBuilder newHome() {
        return new HomeBuilder(this);
    }

    /** A home that already runs, by id; its nodes keyed by their device ids. */
    public Home home(String homeId) {
        Map<String, dev.cirque.proto.CirqueDevice> devices = new LinkedHashMap<>();
        Calls.call(() -> stub().listCirqueHomeDevices(ListCirqueHomeDevicesRequest.newBuilder().setHomeId(homeId)
                .build())).getDevicesList().forEach(d -> devices.put(d.getDeviceId(), d));
        return new Home(this, homeId, devices);
    }

    /** The ids of the homes the daemon runs. */
    public List<String> homeIds() {
        return Calls.call(() -> stub().listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance())).getHomeIdList();
    }

    /** The media's stub, with the call deadline set from now. */
    MediumServiceGrpc.MediumServiceBlockingStub mediumStub() {
        return mediumStub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The flight recorder's stub, with the call deadline set from now. */
    RecordingServiceGrpc.RecordingServiceBlockingStub recordingStub() {
        return recordingStub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The recording of the home {@code homeId}, live or stopped (the daemon keeps recently stopped homes'). */
    public Recording recording(String homeId) {
        return new Recording(this, homeId);
    }

    /** The daemon's media, by name (ip, thread, wifi where it can, and any a plug-in brings). */
    public List<String> media() {
        return Calls.call(() -> mediumStub().listMedia(dev.cirque.proto.ListMediaRequest.getDefaultInstance()))
                .getMediaList();
    }

    /** A stub with the call deadline set from now. */
    CirqueServiceGrpc.CirqueServiceBlockingStub stub() {
        return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
