package dev.cirque.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The live view: a page the daemon serves at {@code /view/} that shows every home, its nodes
 * and networks, link conditions, the Thread mesh and WiFi radios, kept current from
 * {@code GET /events}; it can set link conditions, power nodes off and on, and run commands.
 * The page itself (HTML, script, style) holds no data and is served without the token; every
 * call it makes goes through the HTTP API with the token the user gives it, and the same
 * guard against other sites. Its script and style are files of their own so that the page
 * can forbid any inline script (Content-Security-Policy).
 */
final class LiveView {

    private static final String ROOT = "/dev/cirque/server/http/view/";
    private static final Map<String, String> FILES = Map.of(
            "", "index.html",
            "index.html", "index.html",
            "view.js", "view.js",
            "view.css", "view.css",
            "replay.html", "replay.html",
            "replay.js", "replay.js",
            "common.js", "common.js",
            "plan.js", "plan.js");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8");
    private static final String[] HEADERS = {
        "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        "X-Frame-Options", "DENY",
        "X-Content-Type-Options", "nosniff",
        "Referrer-Policy", "no-referrer",
        "Cache-Control", "no-cache"};

    private final Map<String, byte[]> content;

    LiveView() {
        this.content = Map.of(
                "index.html", load("index.html"),
                "view.js", load("view.js"),
                "view.css", load("view.css"),
                "replay.html", load("replay.html"),
                "replay.js", load("replay.js"),
                "common.js", load("common.js"),
                "plan.js", load("plan.js"));
    }

    /** Whether {@code path} (after {@code /view}) names a file of the view. */
    boolean has(String path) {
        return FILES.containsKey(path);
    }

    void serve(HttpCall ex, String path) {
        String file = FILES.get(path);
        ex.reply(200, TYPES.get(file.substring(file.lastIndexOf('.') + 1)), content.get(file), HEADERS);
    }

    private static byte[] load(String name) {
        try (InputStream in = LiveView.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("the live view's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
