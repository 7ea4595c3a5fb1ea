package dev.cirque.core.spec;

import dev.cirque.core.CirqueException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A capability as a client asked for it: its contract name ({@code Thread},
 * {@code Mount}, ...) and its parameters, keyed by the field names of the capability's
 * proto message ({@code rcp_mode}, {@code mount_pairs}, ...). Every front translates its
 * own form (a gRPC message, a JSON device config) into this one, so a capability parses
 * its parameters once, whatever front the request came in by.
 *
 * <p>Values are {@code Boolean}, {@code Long} (all integers), {@code String},
 * {@code List} of values or {@code Map<String, Object>} for nested messages. The form is
 * canonical, as proto3 sees it: a parameter at its default ({@code false}, 0, "", empty)
 * is absent, at any depth, so a gRPC message and a JSON config that mean the same thing
 * give equal requests.
 */
public record CapabilityRequest(String name, Map<String, Object> params) {

    public CapabilityRequest {
        Objects.requireNonNull(name, "name");
        params = canonical(params == null ? Map.of() : params);
    }

    public static CapabilityRequest of(String name) {
        return new CapabilityRequest(name, Map.of());
    }

    public boolean bool(String key, boolean defaultValue) {
        Object v = params.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(key, "a boolean", v);
    }

    public long integer(String key, long defaultValue) {
        Object v = params.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
            return num.longValue();
        }
        throw wrongType(key, "an integer", v);
    }

    public String string(String key, String defaultValue) {
        Object v = params.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(key, "a string", v);
    }

    public List<?> list(String key) {
        Object v = params.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return l;
        }
        throw wrongType(key, "a list", v);
    }

    /** A copy with one more parameter, for fronts that assemble a request field by field. */
    public CapabilityRequest with(String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(params);
        copy.put(key, value);
        return new CapabilityRequest(name, copy);
    }

    private static Map<String, Object> canonical(Map<String, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            Object c = canonicalValue(v);
            if (!isDefault(c)) {
                out.put(k, c);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    @SuppressWarnings("unchecked")
    private static Object canonicalValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            return canonical((Map<String, ?>) m);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(CapabilityRequest::canonicalValue).toList();
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        // JSON and protobuf's Struct carry every number as a double; whole ones are integers.
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return d.longValue();
        }
        return v;
    }

    private static boolean isDefault(Object v) {
        return v == null || Boolean.FALSE.equals(v) || Long.valueOf(0).equals(v) || "".equals(v)
                || v instanceof List<?> l && l.isEmpty() || v instanceof Map<?, ?> m && m.isEmpty();
    }

    private CirqueException wrongType(String key, String expected, Object actual) {
        return CirqueException.invalid(
                "capability " + name + ": '" + key + "' must be " + expected + ", got " + actual);
    }
}
