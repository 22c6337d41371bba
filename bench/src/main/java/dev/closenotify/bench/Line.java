package dev.closenotify.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One machine-readable line: a tag and {@code key=value} fields separated by single spaces, e.g.
 * {@code RESULT mode=echo server=netty-openssl msgsPerSec=51234.5}. Values never hold spaces
 * (the writers replace them), so a line splits back without quoting rules.
 */
record Line(String tag, Map<String, String> fields) {

    Line {
        Objects.requireNonNull(tag, "tag");
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    static Line of(String tag) {
        return new Line(tag, Map.of());
    }

    /** A copy with {@code key} set to {@code value} (appended or replaced). */
    Line with(String key, Object value) {
        Map<String, String> m = new LinkedHashMap<>(fields);
        m.put(key, String.valueOf(value).replace(' ', '_'));
        return new Line(tag, m);
    }

    String get(String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("line has no field " + key + ": " + this);
        }
        return v;
    }

    Optional<String> find(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    double number(String key) {
        try {
            return Double.parseDouble(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field " + key + " is not a number: " + this, e);
        }
    }

    /** Parses {@code text}; empty when it does not start with {@code tag} and a space (or is just the tag). */
    static Optional<Line> parse(String tag, String text) {
        if (!text.equals(tag) && !text.startsWith(tag + " ")) {
            return Optional.empty();
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : text.substring(tag.length()).trim().split(" ")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not a key=value field: '" + part + "' in: " + text);
            }
            m.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return Optional.of(new Line(tag, m));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(tag);
        fields.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }
}
