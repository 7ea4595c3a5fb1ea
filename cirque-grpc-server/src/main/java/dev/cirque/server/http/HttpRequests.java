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


    /** A JSON object body with none but {@code keys}: INVALID_ARGUMENT naming the first other one. */
    static void onlyKeys(com.fasterxml.jackson.databind.JsonNode body, java.util.Set<String> keys) {
        if (!body.isObject()) {
            throw dev.cirque.core.CirqueException.invalid("the body must be a JSON object with " + keys);
        }
        body.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                throw dev.cirque.core.CirqueException.invalid("unknown key \"" + k + "\": use " + keys);
            }
        });
    }

    /** A query's whole number, null when absent or blank; INVALID_ARGUMENT naming it otherwise. */
    static Integer wholeNumber(String value, String name) {
        try {
            return value == null || value.isBlank() ? null : Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw dev.cirque.core.CirqueException.invalid(name + " must be a whole number, got '" + value + "'");
        }
    }
}
