package dev.cirque.server.http;

import dev.cirque.core.CirqueException;
import dev.cirque.server.media.MediumFront;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Reading a request: its path's segments, decoded as paths are, its query, its method. */
final class HttpRequests {

    private HttpRequests() {}

    static void requireMethod(String actual, String expected) {
        if (!expected.equals(actual)) {
            throw new HttpError(405, "METHOD_NOT_ALLOWED", actual + " is not allowed here; use " + expected);
        }
    }

    static String arg(String[] parts, int i) {
        if (parts.length <= i || parts[i].isEmpty()) {
            throw new HttpError(404, "NOT_FOUND", "missing path segment " + i + " in /" + String.join("/", parts));
        }
        return decode(parts[i]);
    }

    /** The rest of the path from segment {@code i}, decoded, slashes kept. */
    static String rest(String[] parts, int i) {
        if (parts.length <= i) {
            throw CirqueException.invalid("no command after the device id");
        }
        return decode(String.join("/", Arrays.asList(parts).subList(i, parts.length)));
    }

    /** Percent-decoding for a path: unlike a form, '+' is a plus sign. */
    static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static Map<String, String> query(HttpCall ex) {
        Map<String, String> out = new HashMap<>();
        String raw = ex.rawQuery();
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

    static boolean isTrue(String v) {
        return MediumFront.CirqueRoute.isTrue(v);
    }

}
