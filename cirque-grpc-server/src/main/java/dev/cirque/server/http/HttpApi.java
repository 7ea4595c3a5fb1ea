package dev.cirque.server.http;

import static dev.cirque.server.http.HttpRequests.arg;
import static dev.cirque.server.http.HttpRequests.decode;
import static dev.cirque.server.http.HttpRequests.isTrue;
import static dev.cirque.server.http.HttpRequests.query;
import static dev.cirque.server.http.HttpRequests.requireMethod;
import static dev.cirque.server.http.HttpRequests.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.core.CirqueException;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.Home;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.home.Node;
import dev.cirque.server.Security;
import dev.cirque.server.media.MediumFronts;
import dev.cirque.server.media.MediumRoutes;
import dev.cirque.server.wire.DeviceConfigs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cirque's JSON/HTTP routes, as the Matter harness ({@code CHIPVirtualHome}) calls them, and
 * ours, served by {@link HttpTransport} (Netty, bounded: {@link HttpLimits}). Errors are JSON
 * {@code {"code": ..., "error": ..., "device"?: ...}}, never a stack trace. The route table,
 * translation only (the work is HomeService's).
 */
public final class HttpApi {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    /** The largest request body accepted by default. */
    public static final int MAX_BODY_BYTES = HttpLimits.defaults().maxBodyBytes();

    private final HomeService homes;
    private final DeviceConfigs configs;
    private final LinkRoutes links;
    private final SpaceRoutes space;
    private final MediaRoutes media;
    /** The media with routes of their own ({@code /MEDIUM/{home}} ...). */
    private final MediumFronts fronts;
    private final Security security;
    private final BrowserGuard browsers;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpTransport server;
    private final LiveView liveView = new LiveView();
    private final StreamRoutes streams;

    public HttpApi(HomeService homes, InetSocketAddress address) throws IOException {
        this(homes, address, Security.none(), HttpLimits.defaults());
    }

    public HttpApi(HomeService homes, InetSocketAddress address, Security security, HttpLimits limits)
            throws IOException {
        this(homes, address, security, limits, MediumFronts.load(homes, new ObjectMapper()));
    }

    /** With the media fronts the daemon loaded once for all its fronts. */
    public HttpApi(HomeService homes, InetSocketAddress address, Security security, HttpLimits limits,
            MediumFronts fronts) throws IOException {
        this.homes = homes;
        this.configs = new DeviceConfigs(homes.capabilities());
        this.links = new LinkRoutes(homes, json);
        this.space = new SpaceRoutes(homes.links().space(), json);
        this.streams = new StreamRoutes(homes, json);
        this.media = new MediaRoutes(homes.media(), json);
        this.fronts = fronts;
        this.security = security;
        this.browsers = new BrowserGuard(address, security.allowedOrigins());
        this.server = new HttpTransport(address, security.httpSslContext(), limits, this::handle);
    }

    public HttpApi start() throws IOException {
        try {
            server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding the HTTP port", e);
        }
        log.info("HTTP listening on port {}", server.port());
        return this;
    }

    public int port() {
        return server.port();
    }

    /** HTTP connections open now. */
    public int openConnections() {
        return server.openConnections();
    }

    public void stop() {
        server.stop();
    }

    // --- routing -------------------------------------------------------------------------

    private void handle(HttpCall ex) {
        try {
            String method = ex.method();
            // Split the raw path before decoding, so an encoded '/' stays inside its segment.
            String raw = ex.rawPath();
            String[] parts = raw.length() <= 1 ? new String[0] : raw.substring(1).split("/", -1);
            String route = parts.length == 0 ? "" : parts[0];
            try {
                Optional<String> refused = browsers.refusal(ex::header, port());
                if (refused.isPresent()) {
                    throw new HttpError(403, "PERMISSION_DENIED", refused.get());
                }
                if (method.equals("GET") && (route.equals("view") || isNavigationToRoot(ex, raw))) {
                    view(ex, parts);
                    return;
                }
                if (!security.allows(ex.header("Authorization"))) {
                    throw new HttpError(401, "UNAUTHENTICATED", "missing or wrong bearer token (send"
                            + " 'Authorization: Bearer <token>')", "WWW-Authenticate", "Bearer");
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
                if (route.equals("space")) {
                    sendJson(ex, 200, space.handle(method, parts, method.equals("POST") ? jsonBody(ex) : null));
                    return;
                }
                if (route.equals("power_off") || route.equals("power_on")) {
                    requireMethod(method, "POST");
                    power(ex, route.equals("power_on"), arg(parts, 1), arg(parts, 2));
                    return;
                }
                if (route.equals("media") && (parts.length == 1 || parts.length == 2 && parts[1].isEmpty())) {
                    requireMethod(method, "GET");
                    sendJson(ex, 200, media.list());
                    return;
                }
                MediumRoutes medium = route.equals("media") ? media.named(decode(parts[1]))
                        : fronts.named(route).orElse(null);
                if (medium != null) { // /media/{medium}/{home}... as /thread/{home}...
                    String[] at = route.equals("media") ? Arrays.copyOfRange(parts, 1, parts.length) : parts;
                    medium(ex, method, arg(at, 1), at, medium, at[0]);
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
                    case "stop_device" -> stopDevice(ex, arg(parts, 1), arg(parts, 2));
                    case "destroy_home" -> destroyHome(ex, arg(parts, 1));
                    case "events" -> streams.events(ex, parts.length > 1 && !parts[1].isEmpty() ? arg(parts, 1) : null);
                    case "recording" -> recording(ex, arg(parts, 1));
                    case "recordings" -> sendJson(ex, 200, json.valueToTree(java.util.Map.of("kept",
                            homes.recordings().keptHomes())));
                    default -> sendJson(ex, 200, fronts.cirqueRoute(route)
                            .orElseThrow(() -> new HttpError(404, "NOT_FOUND", "no route " + raw))
                            .get(arg(parts, 1), query(ex)));
                }
            } catch (HttpError e) {
                sendError(ex, e.status, e.code, e.getMessage(), null, e.headers);
            } catch (CirqueException e) {
                if (e.kind() == CirqueException.Kind.INTERNAL) {
                    log.error("{} {}: {}", method, raw, e.getMessage(), e);
                }
                sendError(ex, HttpError.status(e.kind()), e.kind().name(), e.getMessage(), e.device());
            } catch (JsonProcessingException e) {
                sendError(ex, 400, "INVALID_ARGUMENT", "malformed JSON: " + e.getOriginalMessage(), null);
            } catch (RuntimeException e) {
                log.error("{} {} failed", method, raw, e);
                sendError(ex, 500, "INTERNAL", "unexpected error: " + e, null);
            }
        } catch (IOException e) {
            log.debug("HTTP client went away: {}", e.toString()); // nothing more can be said to it
        }
    }

    /**
     * A person typing the daemon's address into a browser: Cirque's {@code GET /} would stop
     * every home, so a browser's navigation there is sent to the live view instead.
     */
    private static boolean isNavigationToRoot(HttpCall ex, String raw) {
        return raw.equals("/") && "navigate".equals(ex.header("Sec-Fetch-Mode"));
    }

    /** The live view's files; {@code /view} itself (and a navigation to {@code /}) goes to {@code /view/}. */
    private void view(HttpCall ex, String[] parts) {
        if (parts.length < 2) {
            ex.reply(303, null, new byte[0], "Location", "/view/");
            return;
        }
        String file = String.join("/", Arrays.asList(parts).subList(1, parts.length));
        if (!liveView.has(file)) {
            throw new HttpError(404, "NOT_FOUND", "no file /view/" + file + " in the live view");
        }
        liveView.serve(ex, file);
    }

    // --- routes --------------------------------------------------------------------------

    private void createHome(HttpCall ex) throws IOException {
        HomeService.Topology made = homes.createHome(configs.toTopology(jsonBody(ex)));
        sendJson(ex, 200, json.valueToTree(made.home().id()));
    }

    /** The request's JSON body; an empty body is an empty object. */
    private JsonNode jsonBody(HttpCall ex) throws IOException {
        byte[] body = ex.body();
        return body.length == 0 ? json.createObjectNode() : json.readTree(body);
    }

    private void links(HttpCall ex, String method, String home, String action) throws IOException {
        if (method.equals("GET") && action.isEmpty()) {
            sendJson(ex, 200, links.get(home, query(ex).get("medium")));
            return;
        }
        requireMethod(method, "POST");
        sendJson(ex, 200, links.post(home, action, jsonBody(ex)));
    }

    /** {@code /MEDIUM/...} (a medium's own front), {@code /media/{medium}/...}: a medium's account and capture ({@code name} names the pcap). */
    private void medium(HttpCall ex, String method, String home, String[] parts, MediumRoutes routes, String name)
            throws IOException {
        if (parts.length == 2) {
            requireMethod(method, "GET");
            sendJson(ex, 200, routes.topology(home));
        } else if (parts.length == 3 && parts[2].equals("capture")) {
            requireMethod(method, "GET");
            ex.reply(200, "application/vnd.tcpdump.pcap", routes.captured(home), "Content-Disposition",
                    "attachment; filename=\"" + home + "-" + name + ".pcap\"");
        } else if (parts.length == 4 && parts[2].equals("capture")) {
            requireMethod(method, "POST");
            String action = decode(parts[3]);
            if (!action.equals("start") && !action.equals("stop")) {
                throw CirqueException.notFound("no capture action '" + action + "' (start or stop)");
            }
            sendJson(ex, 200, routes.capture(home, action.equals("start")));
        } else if (parts.length == 4) { // POST /MEDIUM/{home}/{action}/{device}
            requireMethod(method, "POST");
            sendJson(ex, 200, routes.nodeAction(home, decode(parts[2]), decode(parts[3]), jsonBody(ex)));
        } else {
            throw new HttpError(404, "NOT_FOUND", "no route " + ex.rawPath());
        }
    }

    /** {@code GET /recording/{home}}: the home's flight recording, a zip (see RecordingService). */
    private void recording(HttpCall ex, String home) {
        ex.reply(200, "application/zip", homes.recordings().zip(home), "Content-Disposition",
                "attachment; filename=\"cirque-recording-" + home + ".zip\"");
    }

    private void getHomes(HttpCall ex) throws IOException {
        sendJson(ex, 200, json.valueToTree(homes.homes().stream().map(Home::id).toList()));
    }

    private void homeDevices(HttpCall ex, String home) throws IOException {
        ObjectNode out = json.createObjectNode();
        for (Node node : homes.nodes(home)) {
            out.set(node.id(), DeviceConfigs.toState(json, node));
        }
        sendJson(ex, 200, out);
    }

    private void deviceState(HttpCall ex, String home, String device) throws IOException {
        sendJson(ex, 200, DeviceConfigs.toState(json, homes.node(home, device)));
    }

    private void deviceCmd(HttpCall ex, String home, String device, String command) throws IOException {
        if (isTrue(query(ex).get("stream"))) {
            streams.command(ex, home, device, command);
            return;
        }
        ExecResult result = homes.exec(home, device, command, null);
        ObjectNode reply = json.createObjectNode();
        reply.put("return_code", Integer.toString(result.exitCode()));
        reply.put("output", result.output());
        sendJson(ex, 200, reply);
    }

    private void deviceLog(HttpCall ex, String home, String device) throws IOException {
        Integer tail = HttpRequests.wholeNumber(query(ex).get("tail"), "tail");
        sendText(ex, 200, homes.logs(home, device, tail == null ? 0 : tail));
    }

    private void stopDevice(HttpCall ex, String home, String device) throws IOException {
        homes.stopNode(home, device);
        sendJson(ex, 200, json.valueToTree(device));
    }

    /** {@code POST /power_off/{home}/{device}[?grace_seconds=N]}, {@code POST /power_on/{home}/{device}}. */
    private void power(HttpCall ex, boolean on, String home, String device) throws IOException {
        Node node;
        if (on) {
            node = homes.powerOn(home, device);
        } else {
            node = homes.powerOff(home, device, HttpRequests.wholeNumber(query(ex).get("grace_seconds"), "grace_seconds"));
        }
        sendJson(ex, 200, DeviceConfigs.toState(json, node));
    }

    private void destroyHome(HttpCall ex, String home) throws IOException {
        homes.stopHome(home);
        sendJson(ex, 200, json.valueToTree(home));
    }

    private void destroyAll(HttpCall ex) {
        homes.stopAll();
        ex.reply(200, null, new byte[0]);
    }

    // --- helpers -------------------------------------------------------------------------

    private void sendJson(HttpCall ex, int status, JsonNode body) throws IOException {
        ex.reply(status, "application/json", json.writeValueAsBytes(body));
    }

    private static void sendText(HttpCall ex, int status, String body) {
        ex.reply(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void sendError(HttpCall ex, int status, String code, String message, String device,
            String... headers) {
        ex.reply(status, "application/json", HttpCall.errorBody(code, message, device), headers);
    }
}
