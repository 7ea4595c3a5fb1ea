package dev.cirque.server;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Who may talk to the daemon: an optional bearer token checked on every gRPC call and HTTP
 * route (compared in constant time), and optional TLS with, optionally, client
 * certificates signed by a given CA. Keys and certificates are PEM files (the key
 * unencrypted PKCS#8, as {@code openssl genpkey} or {@code req -nodes} writes it).
 */
public final class Security {

    private final byte[] token;
    private final Path cert;
    private final Path key;
    private final Path clientCa;
    private final List<String> allowedOrigins;

    /**
     * @param token    the bearer token, or null for none
     * @param cert     the server's certificate chain (PEM), or null for plaintext
     * @param key      its private key (PEM, PKCS#8)
     * @param clientCa the CA client certificates must chain to, or null to ask for none
     */
    public Security(String token, Path cert, Path key, Path clientCa) {
        this(token, cert, key, clientCa, List.of());
    }

    /** @param allowedOrigins web origins (e.g. {@code http://localhost:8080}) whose pages may call the HTTP API */
    public Security(String token, Path cert, Path key, Path clientCa, List<String> allowedOrigins) {
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.token = token == null || token.isBlank() ? null : token.strip().getBytes(StandardCharsets.UTF_8);
        this.cert = cert;
        this.key = key;
        this.clientCa = clientCa;
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("TLS needs both a certificate and its key");
        }
        if (clientCa != null && cert == null) {
            throw new IllegalArgumentException("client certificates need TLS: give a certificate and key too");
        }
    }

    public static Security none() {
        return new Security(null, null, null, null);
    }

    /** Web origins whose pages may call the HTTP API; none by default. */
    public List<String> allowedOrigins() {
        return allowedOrigins;
    }

    /** Whether callers must prove who they are (token or client certificate). */
    public boolean authenticates() {
        return token != null || clientCa != null;
    }

    public boolean tls() {
        return cert != null;
    }

    /** True when the {@code Authorization} header value carries the token (or none is needed). */
    public boolean allows(String authorization) {
        if (token == null) {
            return true;
        }
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorization.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, given);
    }

    /** Refuses gRPC calls without the token with UNAUTHENTICATED. */
    public ServerInterceptor grpcInterceptor() {
        Metadata.Key<String> authorization = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                if (!allows(headers.get(authorization))) {
                    call.close(Status.UNAUTHENTICATED.withDescription(
                            "missing or wrong bearer token (send 'authorization: Bearer <token>')"), new Metadata());
                    return new ServerCall.Listener<>() {};
                }
                return next.startCall(call, headers);
            }
        };
    }

    /** The gRPC server's TLS context; null for plaintext. */
    public SslContext grpcSslContext() throws IOException {
        if (cert == null) {
            return null;
        }
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(cert.toFile(), key.toFile()));
        if (clientCa != null) {
            b.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
        }
        return b.build();
    }

    /** The HTTP server's TLS context (Netty's own, not gRPC's shaded copy); null for plaintext. */
    public io.netty.handler.ssl.SslContext httpSslContext() throws IOException {
        if (cert == null) {
            return null;
        }
        try {
            io.netty.handler.ssl.SslContextBuilder b = io.netty.handler.ssl.SslContextBuilder.forServer(privateKey(key),
                    certificates(cert).stream().map(X509Certificate.class::cast).toList());
            if (clientCa != null) {
                b.trustManager(clientCa.toFile()).clientAuth(io.netty.handler.ssl.ClientAuth.REQUIRE);
            }
            return b.build();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load the TLS certificate/key: " + e.getMessage(), e);
        }
    }

    public boolean needsClientCertificates() {
        return clientCa != null;
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem);
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new GeneralSecurityException(pem + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", ""));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new GeneralSecurityException(pem + ": not an RSA, EC or Ed25519 key");
    }
}
