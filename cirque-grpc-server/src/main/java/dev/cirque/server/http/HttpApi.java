package dev.cirque.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.engine.ContainerEngine;
import dev.cirque.core.home.Home;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.server.Security;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cirque's JSON/HTTP routes, as the Matter harness ({@code CHIPVirtualHome}) calls them.
 * Served by the JDK's own HTTP server: no dependency, and it streams chunked replies,
 * which {@code device_cmd?stream=True} needs. Errors are JSON
 * {@code {"code": ..., "error": ..., "device"?: ...}}, never a stack trace. About 410
 * lines, past the usual 300: it is the route table with one short handler per Cirque
 * route, translation only (the work is HomeService's); the hardening issue moves it onto
 * another server, and it splits by route group then.
 */
public final class HttpApi {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    /** The largest request body accepted by default. */
    public static final int MAX_BODY_BYTES = 4 << 20;

    private final HomeService homes;
    private final DeviceConfigs configs;
    private final LinkRoutes links;
    private final Security security;
    private final BrowserGuard browsers;
    private final int maxBodyBytes;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService workers;

    public HttpApi(HomeService homes, InetSocketAddress address) throws IOException {
        this(homes, address, Security.none(), MAX_BODY_BYTES);
    }

    public HttpApi(HomeService homes, InetSocketAddress address, Security security, int maxBodyBytes)
            throws IOException {
        this.homes = homes;
        this.configs = new DeviceConfigs(homes.capabilities());
        this.links = new LinkRoutes(homes, json);
        this.security = security;
        this.browsers = new BrowserGuard(address, security.allowedOrigins());
        this.maxBodyBytes = maxBodyBytes;
        SSLContext tls = security.httpsContext();
        if (tls == null) {
            this.server = HttpServer.create(address, 64);
        } else {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = tls.getDefaultSSLParameters();
                    p.setNeedClientAuth(security.needsClientCertificates());
                    params.setSSLParameters(p);
                }
            });
            this.server = https;
        }
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "cirque-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/", this::handle);
    }

    public HttpApi start() {
        server.start();
        log.info("HTTP listening on {}", server.getAddress());
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void stop() {
        server.stop(0);
        workers.shutdownNow();
    }

    // --- routing -------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        try (ex) {
            String method = ex.getRequestMethod();
            // Split the raw path before decoding, so an encoded '/' stays inside its segment.
            String raw = ex.getRequestURI().getRawPath();
            String[] parts = raw.length() <= 1 ? new String[0] : raw.substring(1).split("/", -1);
            String route = parts.length == 0 ? "" : parts[0];
            try {
                Optional<String> refused = browsers.refusal(ex.getRequestHeaders(), port());
                if (refused.isPresent()) {
                    throw new HttpError(403, "PERMISSION_DENIED", refused.get());
                }
                if (!security.allows(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                    throw new HttpError(401, "UNAUTHENTICATED", "missing or wrong bearer token (send"
                            + " 'Authorization: Bearer <token>')");
                }
                if (route.equals("create_home")) {
                    requireMethod(method, "POST");
                    createHome(ex);
                    return;
                }
                if (route.equals("links")) {
                    links(ex, method, arg(parts, 1), parts.length > 2 ? decode(parts[2]) : "");
                    return;
                }
                requireMethod(method, "GET");
                switch (route) {
                    case "" -> destroyAll(ex);
                    case "get_homes" -> getHomes(ex);
                    case "home_devices" -> homeDevices(ex, arg(parts, 1));
                    case "device_state" -> deviceState(ex, arg(parts, 1), arg(parts, 2));
                    case "device_cmd" -> deviceCmd(ex, arg(parts, 1), arg(parts, 2), rest(parts, 3));
                    case "device_log" -> deviceLog(ex, arg(parts, 1), arg(parts, 2));
                    case "wifi_ssid_psk" -> wifiSsidPsk(ex, arg(parts, 1));
                    case "stop_device" -> stopDevice(ex, arg(parts, 1), arg(parts, 2));
                    case "destroy_home" -> destroyHome(ex, arg(parts, 1));
                    default -> throw new HttpError(404, "NOT_FOUND", "no route " + raw);
                }
            } catch (HttpError e) {
                sendError(ex, e.status, e.code, e.getMessage(), null);
            } catch (CirqueException e) {
                if (e.kind() == CirqueException.Kind.INTERNAL) {
                    log.error("{} {}: {}", method, raw, e.getMessage(), e);
                }
                sendError(ex, status(e.kind()), e.kind().name(), e.getMessage(), e.device());
            } catch (JsonProcessingException e) {
                sendError(ex, 400, "INVALID_ARGUMENT", "malformed JSON: " + e.getOriginalMessage(), null);
            } catch (RuntimeException e) {
                log.error("{} {} failed", method, raw, e);
                sendError(ex, 500, "INTERNAL", "unexpected error: " + e, null);
            }
        } catch (IOException | UncheckedIOException e) {
            log.debug("HTTP client went away: {}", e.toString()); // nothing more can be said to it
        }
    }

    /** Google's mapping of canonical codes to HTTP, as grpc-gateway uses it. */
    static int status(CirqueException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> 404;
            case INVALID_ARGUMENT, FAILED_PRECONDITION -> 400;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case INTERNAL -> 500;
        };
    }

    // --- routes --------------------------------------------------------------------------

    private void createHome(HttpExchange ex) throws IOException {
        byte[] body = readBody(ex);
        JsonNode topology = body.length == 0 ? json.createObjectNode() : json.readTree(body);
        HomeService.Topology made = homes.createHome(configs.toTopology(topology));
        sendJson(ex, 200, json.valueToTree(made.home().id()));
    }

    private void links(HttpExchange ex, String method, String home, String action) throws IOException {
        if (method.equals("GET") && action.isEmpty()) {
            sendJson(ex, 200, links.get(home, query(ex).get("medium")));
            return;
        }
        requireMethod(method, "POST");
        byte[] body = readBody(ex);
        sendJson(ex, 200, links.post(home, action, body.length == 0 ? json.createObjectNode() : json.readTree(body)));
    }

    private void getHomes(HttpExchange ex) throws IOException {
        sendJson(ex, 200, json.valueToTree(homes.homes().stream().map(Home::id).toList()));
    }

    private void homeDevices(HttpExchange ex, String home) throws IOException {
        ObjectNode out = json.createObjectNode();
        for (Node node : homes.nodes(home)) {
            out.set(node.id(), DeviceConfigs.toState(json, node));
        }
        sendJson(ex, 200, out);
    }

    private void deviceState(HttpExchange ex, String home, String device) throws IOException {
        sendJson(ex, 200, DeviceConfigs.toState(json, homes.node(home, device)));
    }

    private void deviceCmd(HttpExchange ex, String home, String device, String command) throws IOException {
        if (isTrue(query(ex).get("stream"))) {
            streamCommand(ex, home, device, command);
            return;
        }
        ExecResult result = homes.exec(home, device, command, null);
        ObjectNode reply = json.createObjectNode();
        reply.put("return_code", Integer.toString(result.exitCode()));
        reply.put("output", result.output());
        sendJson(ex, 200, reply);
    }

    /**
     * Streams a command's output as it is produced. Headers go out with the first chunk, so
     * anything that fails before it (unknown device, bad command) is still a JSON error.
     */
    private void streamCommand(HttpExchange ex, String home, String device, String command) throws IOException {
        ChunkedReply reply = new ChunkedReply(ex);
        try {
            int code = homes.execStreaming(home, device, command, null,
                    ContainerEngine.OutputSink.watching((stream, chunk) -> reply.write(chunk), () -> reply.gone));
            log.debug("streamed command in {} exited {}", device, code);
        } catch (CirqueException e) {
            if (reply.gone) {
                log.info("streamed command in {}: the client went away; the command was ended", device);
                return;
            }
            if (!reply.started) {
                throw e;
            }
            // The status is gone; say it in the text, where the reader is looking.
            reply.write(("\n[cirque] " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        reply.write(new byte[0]); // a command with no output still gets its (empty) reply
    }

    /**
     * A text/plain reply sent in chunks, its headers on the first write. A client that hung
     * up is noticed at the next write, and the command it ran is then ended.
     */
    private static final class ChunkedReply {
        private final HttpExchange ex;
        private volatile boolean started;
        private volatile boolean gone;

        ChunkedReply(HttpExchange ex) {
            this.ex = ex;
        }

        synchronized void write(byte[] chunk) {
            try {
                if (!started) {
                    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                    ex.sendResponseHeaders(200, 0);
                    started = true;
                }
                if (chunk.length > 0) {
                    ex.getResponseBody().write(chunk);
                    ex.getResponseBody().flush();
                }
            } catch (IOException e) {
                gone = true;
                throw new UncheckedIOException(e);
            }
        }
    }

    private void deviceLog(HttpExchange ex, String home, String device) throws IOException {
        String tail = query(ex).get("tail");
        int n;
        try {
            n = tail == null || tail.isBlank() ? 0 : Integer.parseInt(tail.strip());
        } catch (NumberFormatException e) {
            throw CirqueException.invalid("tail must be a whole number, got '" + tail + "'");
        }
        if (n < 0) {
            throw CirqueException.invalid("tail must not be negative");
        }
        sendText(ex, 200, homes.logs(home, device, n));
    }

    /** Cirque's route: the credentials of the home's (first) access point, as {@code [ssid, psk]}. */
    private void wifiSsidPsk(HttpExchange ex, String home) throws IOException {
        for (Node node : homes.home(home).nodes()) {
            Optional<List<String>> ap = DeviceConfigs.accessPoint(node);
            if (ap.isPresent()) {
                sendJson(ex, 200, json.valueToTree(ap.get()));
                return;
            }
        }
        throw CirqueException.notFound("home " + home + " has no WiFi access point");
    }

    private void stopDevice(HttpExchange ex, String home, String device) throws IOException {
        homes.stopNode(home, device);
        sendJson(ex, 200, json.valueToTree(device));
    }

    private void destroyHome(HttpExchange ex, String home) throws IOException {
        homes.stopHome(home);
        sendJson(ex, 200, json.valueToTree(home));
    }

    private void destroyAll(HttpExchange ex) throws IOException {
        homes.stopAll();
        ex.sendResponseHeaders(200, -1);
    }

    // --- helpers -------------------------------------------------------------------------

    private static void requireMethod(String actual, String expected) {
        if (!expected.equals(actual)) {
            throw new HttpError(405, "METHOD_NOT_ALLOWED", actual + " is not allowed here; use " + expected);
        }
    }

    private static String arg(String[] parts, int i) {
        if (parts.length <= i || parts[i].isEmpty()) {
            throw new HttpError(404, "NOT_FOUND", "missing path segment " + i + " in /" + String.join("/", parts));
        }
        return decode(parts[i]);
    }

    /** The rest of the path from segment {@code i}, decoded, slashes kept. */
    private static String rest(String[] parts, int i) {
        if (parts.length <= i) {
            throw CirqueException.invalid("no command after the device id");
        }
        return decode(String.join("/", Arrays.asList(parts).subList(i, parts.length)));
    }

    /** Percent-decoding for a path: unlike a form, '+' is a plus sign. */
    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> out = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static boolean isTrue(String v) {
        return v != null && List.of("true", "1", "yes").contains(v.strip().toLowerCase(Locale.ROOT));
    }

    private byte[] readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(maxBodyBytes + 1);
            if (body.length > maxBodyBytes) {
                throw new HttpError(413, "RESOURCE_EXHAUSTED", "request body over " + maxBodyBytes
                        + " bytes (--max-request-bytes)");
            }
            return body;
        }
    }

    private void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", json.writeValueAsBytes(body));
    }

    private static void sendText(HttpExchange ex, int status, String body) throws IOException {
        send(ex, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private void sendError(HttpExchange ex, int status, String code, String message, String device)
            throws IOException {
        ObjectNode body = json.createObjectNode();
        body.put("code", code);
        body.put("error", message);
        if (device != null) {
            body.put("device", device);
        }
        sendJson(ex, status, body);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** A reply decided by the routing itself rather than the core. */
    private static final class HttpError extends RuntimeException {
        final int status;
        final String code;

        HttpError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }
}
