package io.spindle.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One configuration knob: its name, its type and allowed values, its default and its documentation.
 * Every value that reaches Spindle — from a properties file, the environment, the command line or a
 * Kafka CreateTopics/AlterConfigs request — is parsed by {@link #parse}, so each knob is validated in
 * exactly one place. Immutable.
 */
final class ConfigKey<T> {
    private final String name;
    private final ValueType<T> type;
    private final T defaultValue;
    private final String documentation;

    ConfigKey(String name, ValueType<T> type, T defaultValue, String documentation) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
        this.documentation = Objects.requireNonNull(documentation, "documentation");
        // A default the type itself would refuse, or one that does not survive asStringMap and back, is a bug here.
        if (!defaultValue.equals(type.parse(type.format(defaultValue)))) {
            throw new IllegalStateException("Default " + type.format(defaultValue) + " of '" + name
                    + "' is not " + type.expected());
        }
    }

    /** The same type, default and validation under another name, e.g. broker "log.retention.ms" for "retention.ms". */
    ConfigKey<T> renamed(String newName, String newDocumentation) {
        return new ConfigKey<>(newName, type, defaultValue, newDocumentation);
    }

    String name() {
        return name;
    }

    T defaultValue() {
        return defaultValue;
    }

    String documentation() {
        return documentation;
    }

    /**
     * The value denoted by {@code raw} after trimming.
     *
     * @param source where raw came from ("file /x/broker.properties"), named in the error; null if unnamed
     * @throws ConfigException naming the key, the value, what is allowed and the source
     */
    T parse(String raw, String source) {
        if (raw == null) {
            throw new ConfigException(name, "Missing value for configuration " + ConfigException.quote(name)
                    + ": expected " + type.expected() + ConfigException.from(source));
        }
        String text = raw.trim();
        T value = type.parse(text);
        if (value == null) {
            throw ConfigException.invalidValue(name, "configuration " + ConfigException.quote(name), text,
                    type.expected(), source);
        }
        return value;
    }

    /**
     * {@code value} itself when this key allows it: the check for a typed value that did not come through
     * {@link #parse} (a settings section built in code), with the same message a bad text would get.
     *
     * @throws ConfigException naming the key, the value (or that it is missing) and what is allowed
     */
    T check(T value) {
        if (value == null) {
            return parse(null, null);   // throws: "Missing value for configuration ..."
        }
        String text = type.format(value);
        if (!value.equals(type.parse(text))) {
            throw ConfigException.invalidValue(name, "configuration " + ConfigException.quote(name), text,
                    type.expected(), null);
        }
        return value;
    }

    /** This key's value in a map produced by {@link ConfigValues}. */
    T valueIn(Map<String, Object> values) {
        return type.javaType().cast(values.get(name));
    }

    String format(Object value) {
        return type.format(type.javaType().cast(value));
    }

    /** Keys by name, in the given order; rejects duplicate names. */
    static Map<String, ConfigKey<?>> index(List<ConfigKey<?>> keys) {
        Map<String, ConfigKey<?>> byName = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            if (byName.put(key.name(), key) != null) {
                throw new IllegalStateException("Duplicate configuration key '" + key.name() + "'");
            }
        }
        return Collections.unmodifiableMap(byName);
    }

    @Override
    public String toString() {
        return name + " (" + type.expected() + ", default " + type.format(defaultValue) + ")";
    }
}
