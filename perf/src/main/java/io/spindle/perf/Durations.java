package io.spindle.perf;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Durations on the command line: {@code 500ms}, {@code 30s}, {@code 2m}, or ISO-8601 ({@code PT30S}). */
final class Durations {
    private Durations() {
    }

    static Duration parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("pt")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("Duration '" + text + "' is not like 500ms, 30s, 2m or PT30S", e);
        }
        throw new IllegalArgumentException("Duration '" + text + "' needs a unit: 500ms, 30s, 2m or PT30S");
    }
}
