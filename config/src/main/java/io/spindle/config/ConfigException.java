package io.spindle.config;

/**
 * Thrown for any bad configuration: an unknown key, a value of the wrong type or out of range, or a
 * configuration source that cannot be read. The message is one line naming the key, the offending
 * value, what is allowed, and the source where known, e.g.
 * {@code Invalid value 'abc' for configuration 'retention.ms': expected a long integer >= -1 (from file /x/broker.properties)}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public ConfigException(String message) {
        this(null, message, null);
    }

    public ConfigException(String key, String message) {
        this(key, message, null);
    }

    public ConfigException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The configuration key at fault, or null when the problem is not tied to one key (e.g. an unreadable file). */
    public String key() {
        return key;
    }

    static ConfigException invalidValue(String key, String subject, String value, String expected, String source) {
        return new ConfigException(key,
                "Invalid value " + quote(value) + " for " + subject + ": expected " + expected + from(source));
    }

    static ConfigException unknownKey(String key, String source, String hint) {
        return new ConfigException(key, "Unknown configuration " + quote(key) + from(source) + hint);
    }

    /** " (from file /x)" for a named source, "" when the source is unnamed (e.g. a Kafka request). */
    static String from(String source) {
        return source == null ? "" : " (from " + source + ")";
    }

    /**
     * Single-quotes text for a message, escaping control characters and capping its length, so that a
     * hostile or mistaken value (a pasted file, a newline) cannot break the one-line message.
     */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        final int limit = 200;
        StringBuilder out = new StringBuilder(Math.min(text.length(), limit) + 8).append('\'');
        for (int i = 0; i < text.length() && i < limit; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (text.length() > limit) {
            out.append("...");
        }
        return out.append('\'').toString();
    }
}
