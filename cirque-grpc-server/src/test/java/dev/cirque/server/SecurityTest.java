package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.home.HomeService;
import dev.cirque.engine.docker.DockerEngine;
import dev.cirque.proto.CirqueServiceGrpc;
import dev.cirque.proto.ListCirqueHomesRequest;
import dev.cirque.server.http.HttpLimits;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Nobody in who was not let in: bearer tokens and TLS with client certificates, on both fronts. */
class SecurityTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
                "-subj", "/CN=cirque-test-ca");
        for (String who : List.of("server", "client")) {
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr",
                    "-subj", "/CN=" + who);
            Files.writeString(dir.resolve(who + ".ext"), who.equals("server")
                    ? "subjectAltName=IP:127.0.0.1,DNS:localhost\n" : "extendedKeyUsage=clientAuth\n");
            openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", who + ".pem", "-days", "1", "-extfile", who + ".ext");
        }
    }

    @Test
    void withATokenEveryCallAndRouteWithoutItIsRefused() throws Exception {
        try (Running d = new Running(new Security("s3cret-token", null, null, null))) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", d.server.port()).usePlaintext().build();
            try {
                CirqueServiceGrpc.CirqueServiceBlockingStub bare = CirqueServiceGrpc.newBlockingStub(ch);
                assertCode(Status.Code.UNAUTHENTICATED, () -> bare.listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()));
                assertCode(Status.Code.UNAUTHENTICATED, () -> withToken(bare, "wrong")
                        .listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance()));
                withToken(bare, "s3cret-token").listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance());
            } finally {
                ch.shutdownNow();
            }

            HttpClient http = HttpClient.newHttpClient();
            URI homes = URI.create("http://127.0.0.1:" + d.server.httpPort() + "/get_homes");
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(homes).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
            assertTrue(refused.body().contains("\"code\":\"UNAUTHENTICATED\""), refused.body());
            assertEquals(401, http.send(HttpRequest.newBuilder(homes).header("Authorization", "Bearer s3cret-tokenX")
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, http.send(HttpRequest.newBuilder(homes).header("Authorization", "Bearer s3cret-token")
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void withTlsAndClientCertificatesOnlyClientsTheCaSignedGetIn() throws Exception {
        Security tls = new Security(null, dir.resolve("server.pem"), dir.resolve("server.key"), dir.resolve("ca.pem"));
        try (Running d = new Running(tls)) {
            int port = d.server.port();
            assertTrue(reaches(port, GrpcSslContexts.forClient().trustManager(dir.resolve("ca.pem").toFile())
                    .keyManager(dir.resolve("client.pem").toFile(), dir.resolve("client.key").toFile())),
                    "a client with the CA and a client certificate gets in");
            assertTrue(!reaches(port, GrpcSslContexts.forClient()), "a client without the CA is refused");
            assertTrue(!reaches(port, GrpcSslContexts.forClient().trustManager(dir.resolve("ca.pem").toFile())),
                    "a client without a certificate is refused");

            URI homes = URI.create("https://127.0.0.1:" + d.server.httpPort() + "/get_homes");
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(homes).build(),
                    HttpResponse.BodyHandlers.ofString()), "HTTPS without the CA is refused");
            HttpClient trusting = HttpClient.newBuilder().sslContext(clientContext()).build();
            assertEquals(200, trusting.send(HttpRequest.newBuilder(homes).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }
    }

    // --- helpers -------------------------------------------------------------------------

    /** A daemon in this JVM with the given security, on free loopback ports. */
    private static final class Running implements AutoCloseable {
        final DockerEngine engine = DockerEngine.connect(null);
        final DaemonServer server;

        Running(Security security) throws IOException {
            InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            server = new DaemonServer(new HomeService(engine, CapabilityRegistry.fromClassPath()), any, any, security,
                    HttpLimits.defaults())
                    .start();
        }

        @Override
        public void close() {
            server.stop();
            engine.close();
        }
    }

    private static boolean reaches(int port, SslContextBuilder client) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(client.build()).build();
        try {
            CirqueServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listCirqueHomes(ListCirqueHomesRequest.getDefaultInstance());
            return true;
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
            return false;
        } finally {
            ch.shutdownNow();
        }
    }

    /** Trusts the test CA and presents the client certificate, for java.net.http. */
    private static SSLContext clientContext() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.pem"))) {
            trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The client certificate and key, packed by openssl as PKCS#12 for the JDK. */
    private static KeyManager[] keyManagers() throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        Process p = new ProcessBuilder("openssl", "pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key",
                "-out", "client.p12", "-passout", "pass:x").directory(dir.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        try (InputStream in = Files.newInputStream(dir.resolve("client.p12"))) {
            keys.load(in, "x".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "x".toCharArray());
        return kmf.getKeyManagers();
    }

    private static CirqueServiceGrpc.CirqueServiceBlockingStub withToken(CirqueServiceGrpc.CirqueServiceBlockingStub s,
            String token) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static void assertCode(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode());
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }
}
