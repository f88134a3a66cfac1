package io.spindle.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.stream.Collectors;

/**
 * The type of a configuration value and the set of values it allows: turns trimmed text into a value
 * (or refuses it) and a value back into text. Implementations are immutable. {@code parse(format(v))}
 * equals {@code v} for every allowed {@code v}; {@link ConfigKey} checks this for each default.
 */
interface ValueType<T> {

    Class<T> javaType();

    /** The value denoted by already-trimmed {@code text}, or null if it is not an allowed value. */
    T parse(String text);

    String format(T value);

    /** What is allowed, phrased to follow "expected ", e.g. "a long integer >= -1". */
    String expected();

    /** A long integer, decimal, in [min, max]. */
    static ValueType<Long> longBetween(long min, long max) {
        return new DecimalType<>(Long.class, "a long integer", min, max, Long.MIN_VALUE, Long.MAX_VALUE, v -> v);
    }

    static ValueType<Long> longAtLeast(long min) {
        return longBetween(min, Long.MAX_VALUE);
    }

    /** A 32-bit integer, decimal, in [min, max]. */
    static ValueType<Integer> intBetween(int min, int max) {
        return new DecimalType<>(Integer.class, "an integer", min, max, Integer.MIN_VALUE, Integer.MAX_VALUE,
                v -> (int) v);
    }

    static ValueType<Integer> intAtLeast(int min) {
        return intBetween(min, Integer.MAX_VALUE);
    }

    /** {@code unset} (a sentinel meaning "not configured") or an integer in [min, max]. */
    static ValueType<Integer> intBetweenOr(int unset, int min, int max) {
        ValueType<Integer> range = intBetween(min, max);
        ValueType<Integer> sentinel = intBetween(unset, unset);
        return new ValueType<>() {
            @Override public Class<Integer> javaType() { return Integer.class; }
            @Override public Integer parse(String text) {
                Integer v = range.parse(text);
                return v != null ? v : sentinel.parse(text);
            }
            @Override public String format(Integer value) { return Integer.toString(value); }
            @Override public String expected() { return unset + " or " + range.expected(); }
        };
    }

    /**
     * A finite decimal number in [min, max]: digits with an optional fraction and exponent ("0.5", "1e6",
     * "1.7976931348623157E308"); not NaN, not infinite, not hexadecimal.
     */
    static ValueType<Double> doubleBetween(double min, double max) {
        return new ValueType<>() {
            @Override public Class<Double> javaType() { return Double.class; }
            @Override public Double parse(String text) {
                if (!text.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                    return null;
                }
                double value = Double.parseDouble(text);
                return Double.isFinite(value) && value >= min && value <= max ? value : null;
            }
            @Override public String format(Double value) { return Double.toString(value); }
            @Override public String expected() {
                return max == Double.MAX_VALUE ? "a number >= " + min : "a number between " + min + " and " + max;
            }
        };
    }

    /** Exactly "true" or "false", case-insensitive. */
    static ValueType<Boolean> bool() {
        return new ValueType<>() {
            @Override public Class<Boolean> javaType() { return Boolean.class; }
            @Override public Boolean parse(String text) {
                if (text.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                return text.equalsIgnoreCase("false") ? Boolean.FALSE : null;
            }
            @Override public String format(Boolean value) { return value.toString(); }
            @Override public String expected() { return "true or false"; }
        };
    }

    /** A host name or IP address: no whitespace; empty only if {@code allowEmpty}. Not resolved here. */
    static ValueType<String> host(boolean allowEmpty) {
        return new ValueType<>() {
            @Override public Class<String> javaType() { return String.class; }
            @Override public String parse(String text) {
                if (text.isEmpty() && !allowEmpty) {
                    return null;
                }
                return text.chars().anyMatch(Character::isWhitespace) ? null : text;
            }
            @Override public String format(String value) { return value; }
            @Override public String expected() {
                return allowEmpty ? "a host name or IP address without spaces, or empty"
                                  : "a non-empty host name or IP address without spaces";
            }
        };
    }

    /**
     * Empty, or a Kafka topic name (at most 249 of ASCII letters, digits, '.', '_' and '-', not "." or "..") in which
     * {@code {topic}} may stand for another topic's name, as in {@code {topic}.dlq}.
     */
    static ValueType<String> topicPattern() {
        return new ValueType<>() {
            @Override public Class<String> javaType() { return String.class; }
            @Override public String parse(String text) {
                if (text.isEmpty()) {
                    return text;
                }
                String sample = text.replace("{topic}", "t");
                boolean legal = sample.length() <= 249 && sample.matches("[a-zA-Z0-9._-]+")
                        && !sample.equals(".") && !sample.equals("..");
                return legal ? text : null;
            }
            @Override public String format(String value) { return value; }
            @Override public String expected() {
                return "empty or a topic name (letters, digits, '.', '_', '-'; {topic} for the record's topic)";
            }
        };
    }

    /**
     * Empty, or a literal Kafka topic name (as {@link #topicPattern()} without the placeholder) that does not start
     * with {@code __} (the internal topics' mark): a dead-letter queue topic or its required prefix.
     */
    static ValueType<String> deadLetterQueueTopic() {
        return new ValueType<>() {
            @Override public Class<String> javaType() { return String.class; }
            @Override public String parse(String text) {
                boolean legal = text.isEmpty() || (text.length() <= 249 && text.matches("[a-zA-Z0-9._-]+")
                        && !text.equals(".") && !text.equals("..") && !text.startsWith("__"));
                return legal ? text : null;
            }
            @Override public String format(String value) { return value; }
            @Override public String expected() {
                return "empty or a topic name (letters, digits, '.', '_', '-') that does not start with '__'";
            }
        };
    }

    /** A non-empty file system path, kept as written (not made absolute, not checked for existence). */
    static ValueType<Path> path() {
        return new ValueType<>() {
            @Override public Class<Path> javaType() { return Path.class; }
            @Override public Path parse(String text) {
                if (text.isEmpty()) {
                    return null;
                }
                try {
                    return Path.of(text);
                } catch (InvalidPathException e) {
                    return null;
                }
            }
            @Override public String format(Path value) { return value.toString(); }
            @Override public String expected() { return "a non-empty file system path"; }
        };
    }

    /**
     * One of an enum's constants, matched case-insensitively against {@code configName}.
     * {@code remark} (may be empty) is appended to the description of what is allowed.
     */
    static <E extends Enum<E>> ValueType<E> enumeration(Class<E> type, Function<E, String> configName,
                                                        String remark) {
        E[] constants = type.getEnumConstants();
        String names = Arrays.stream(constants).map(configName).collect(Collectors.joining(", "));
        String expected = "one of " + names + (remark.isEmpty() ? "" : " (" + remark + ")");
        return new ValueType<>() {
            @Override public Class<E> javaType() { return type; }
            @Override public E parse(String text) {
                for (E constant : constants) {
                    if (configName.apply(constant).equalsIgnoreCase(text)) {
                        return constant;
                    }
                }
                return null;
            }
            @Override public String format(E value) { return configName.apply(value); }
            @Override public String expected() { return expected; }
        };
    }

    /**
     * Parses text that is not tied to a key (the public {@code parse} of the config enums): trims it and
     * throws a {@link ConfigException} naming {@code subject} when it is not allowed.
     */
    static <T> T parseOrThrow(ValueType<T> type, String text, String subject) {
        T value = text == null ? null : type.parse(text.trim());
        if (value == null) {
            throw ConfigException.invalidValue(null, subject, text == null ? null : text.trim(), type.expected(), null);
        }
        return value;
    }

    /** Decimal integers of either width; range-checked as longs so that "fits the type" is one check. */
    final class DecimalType<T extends Number> implements ValueType<T> {
        private final Class<T> javaType;
        private final String noun;
        private final long min;
        private final long max;
        private final String expected;
        private final LongFunction<T> box;

        DecimalType(Class<T> javaType, String noun, long min, long max, long typeMin, long typeMax,
                    LongFunction<T> box) {
            if (min > max || min < typeMin || max > typeMax) {
                throw new IllegalArgumentException("bad range [" + min + ", " + max + "] for " + noun);
            }
            this.javaType = javaType;
            this.noun = noun;
            this.min = min;
            this.max = max;
            this.box = box;
            if (min == typeMin && max == typeMax) {
                this.expected = noun;
            } else if (max == typeMax) {
                this.expected = noun + " >= " + min;
            } else if (min == max) {
                this.expected = Long.toString(min);
            } else {
                this.expected = noun + " between " + min + " and " + max;
            }
        }

        @Override public Class<T> javaType() { return javaType; }

        @Override
        public T parse(String text) {
            long value;
            try {
                value = Long.parseLong(text);   // decimal only: "0x10", "1e3", "1_000", "" all fail here
            } catch (NumberFormatException e) {
                return null;                    // includes values beyond the long range
            }
            return value < min || value > max ? null : box.apply(value);
        }

        @Override public String format(T value) { return value.toString(); }

        @Override public String expected() { return expected; }

        @Override public String toString() { return noun + " [" + min + ", " + max + "]"; }
    }
}
