package dev.cirque.server.wire;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.WireForm;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys a JSON device config may hold: the base ones and each capability's, and inside
 * an object key ({@code traffic_control}) the keys it may hold. A key outside them is refused,
 * naming it and the known keys, or, when the daemon keeps Cirque's old leniency, ignored and
 * logged.
 */
final class ConfigKeys {

    private static final Logger log = LoggerFactory.getLogger(ConfigKeys.class);

    private final boolean ignoreUnknown;
    private final Set<String> known = new TreeSet<>();
    private final Map<String, Set<String>> inner = new HashMap<>();

    ConfigKeys(Set<String> baseKeys, Collection<WireForm> forms, boolean ignoreUnknown) {
        this.ignoreUnknown = ignoreUnknown;
        known.addAll(baseKeys);
        forms.forEach(f -> f.jsonKeys().forEach(k -> {
            known.add(k.topKey());
            if (!k.topKey().equals(k.path())) {
                inner.computeIfAbsent(k.topKey(), t -> new TreeSet<>()).add(k.path().substring(k.topKey().length() + 1));
            }
        }));
    }

    /** Refuses (or logs, when told to ignore them) the keys of {@code config} that are not known. */
    void check(JsonNode config) {
        List<String> unknown = new ArrayList<>();
        config.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                unknown.add(k);
            } else if (inner.containsKey(k) && config.get(k).isObject()) {
                config.get(k).fieldNames().forEachRemaining(in -> {
                    if (!inner.get(k).contains(in)) {
                        unknown.add(k + "." + in);
                    }
                });
            }
        });
        if (unknown.isEmpty()) {
            return;
        }
        if (ignoreUnknown) {
            log.warn("device config keys {} are not ones cirque knows; ignored (--ignore-unknown-keys)", unknown);
            return;
        }
        String key = unknown.get(0);
        int dot = key.indexOf('.');
        String others = unknown.size() == 1 ? ""
                : " (and \"" + String.join("\", \"", unknown.subList(1, unknown.size())) + "\")";
        throw CirqueException.invalid("unknown key \"" + key + "\" in a device config" + others + "; the keys cirque"
                + " knows" + (dot < 0 ? ": " + String.join(", ", known)
                        : " in \"" + key.substring(0, dot) + "\": " + String.join(", ", inner.get(key.substring(0, dot)))));
    }
}
