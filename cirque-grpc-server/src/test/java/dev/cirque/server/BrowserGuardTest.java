package dev.cirque.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.home.HomeService;
import dev.cirque.server.http.HttpLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Web pages cannot drive the HTTP API: a foreign Origin, a request a browser marks as
 * cross-site, and a Host that is not the loopback the daemon listens on (DNS rebinding)
 * are 403 with a JSON body and change nothing; the Matter harness's requests (no Origin,
 * Host localhost:PORT) pass. Requests are written by hand on a socket, as a browser or an
 * attacker would send them (Java's HTTP client will not set Host or Sec-Fetch-*).
 */
class BrowserGuardTest {

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.perClass();

    @Test
    void foreignPagesAreRefusedAndTheHarnessIsNot() throws Exception {
        int port = daemon.server.httpPort();
        String home = daemon.newHome();
        try {
            String created = request(port, "POST /create_home", "Host: localhost:" + port,
                    "Origin: http://evil.example", "Content-Type: text/plain");
            assertTrue(created.startsWith("HTTP/1.1 403"), created);
            assertTrue(created.contains("\"code\":\"PERMISSION_DENIED\"") && created.contains("Origin"), created);

            String teardown = request(port, "GET /", "Host: localhost:" + port, "Sec-Fetch-Site: cross-site",
                    "Sec-Fetch-Mode: no-cors", "Sec-Fetch-Dest: image");
            assertTrue(teardown.startsWith("HTTP/1.1 403"), teardown);

            String rebound = request(port, "GET /get_homes", "Host: rebind.evil.example:" + port);
            assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
            assertTrue(request(port, "GET /get_homes", "Host: localhost:" + (port + 1)).startsWith("HTTP/1.1 403"),
                    "another port is another site");

            assertEquals(List.of(home), daemon.stub.listCirqueHomes(dev.cirque.proto.ListCirqueHomesRequest
                    .getDefaultInstance()).getHomeIdList(), "nothing was created, nothing torn down");

            for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port)) {
                String harness = request(port, "GET /get_homes", "Host: " + host, "User-Agent: python-requests/2.31");
                assertTrue(harness.startsWith("HTTP/1.1 200") && harness.contains(home), host + ": " + harness);
            }
        } finally {
            daemon.stopHome(home);
        }
    }

    @Test
    void theDaemonsOwnPageMayCallItAndATypedAddressDoesNotTearEverythingDown() throws Exception {
        int port = daemon.server.httpPort();
        String home = daemon.newHome();
        try {
            String own = request(port, "POST /links/" + home + "/heal", "Host: 127.0.0.1:" + port,
                    "Origin: http://127.0.0.1:" + port, "Sec-Fetch-Site: same-origin", "Content-Type: application/json");
            assertTrue(own.startsWith("HTTP/1.1 200"), own);
            String claimedOnly = request(port, "POST /links/" + home + "/heal", "Host: 127.0.0.1:" + port,
                    "Origin: http://127.0.0.1:" + port, "Sec-Fetch-Site: cross-site");
            assertTrue(claimedOnly.startsWith("HTTP/1.1 403"), "the browser says it is another site: " + claimedOnly);
            String otherPort = request(port, "POST /links/" + home + "/heal", "Host: 127.0.0.1:" + port,
                    "Origin: http://127.0.0.1:" + (port + 1), "Sec-Fetch-Site: same-origin");
            assertTrue(otherPort.startsWith("HTTP/1.1 403"), otherPort);

            // Someone types the daemon's address into a browser: Cirque's GET / would stop every home.
            String typed = request(port, "GET /", "Host: 127.0.0.1:" + port, "Sec-Fetch-Site: none",
                    "Sec-Fetch-Mode: navigate", "Sec-Fetch-Dest: document");
            assertTrue(typed.startsWith("HTTP/1.1 303") && typed.toLowerCase(java.util.Locale.ROOT).contains("location: /view/"), typed);
            assertEquals(List.of(home), daemon.stub.listCirqueHomes(dev.cirque.proto.ListCirqueHomesRequest
                    .getDefaultInstance()).getHomeIdList(), "the home is still there");
        } finally {
            daemon.stopHome(home);
        }
    }

    @Test
    void anAllowedOriginMayCall() throws Exception {
        Security allowing = new Security(null, null, null, null, List.of("http://localhost:8080"));
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        DaemonServer server = new DaemonServer(new HomeService(daemon.engine, CapabilityRegistry.fromClassPath()),
                loopback, loopback, allowing, HttpLimits.defaults()).start();
        try {
            int port = server.httpPort();
            assertTrue(request(port, "GET /get_homes", "Host: localhost:" + port, "Origin: http://localhost:8080",
                    "Sec-Fetch-Site: same-site").startsWith("HTTP/1.1 200"));
            assertTrue(request(port, "GET /get_homes", "Host: localhost:" + port, "Origin: http://localhost:8081")
                    .startsWith("HTTP/1.1 403"));
        } finally {
            server.stop();
        }
    }

    /** One request on a fresh connection; the whole answer as text. */
    private static String request(int port, String line, String... headers) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            StringBuilder r = new StringBuilder(line).append(" HTTP/1.1\r\n");
            for (String h : headers) {
                r.append(h).append("\r\n");
            }
            r.append(line.startsWith("POST") ? "Content-Length: 2\r\n" : "").append("Connection: close\r\n\r\n");
            if (line.startsWith("POST")) {
                r.append("{}");
            }
            OutputStream out = s.getOutputStream();
            out.write(r.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
