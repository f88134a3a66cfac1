package io.spindle.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The layering of configuration sources: starts from a base (the defaults, or an existing config) and
 * applies raw string settings one at a time, later ones winning, remembering where each value came
 * from. Every setting is parsed by its {@link ConfigKey}, so a bad value is refused even when a later
 * source would have replaced it. Mutable, confined to the thread building one config.
 */
final class ConfigValues {
    static final String DEFAULT_SOURCE = "default";

    private final Map<String, ConfigKey<?>> keys;
    private final UnaryOperator<String> unknownKeyHint;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, String> sources = new LinkedHashMap<>();

    /** All keys at their defaults. {@code unknownKeyHint} maps an unknown name to a suffix for the error ("" for none). */
    ConfigValues(Map<String, ConfigKey<?>> keys, UnaryOperator<String> unknownKeyHint) {
        this.keys = keys;
        this.unknownKeyHint = unknownKeyHint;
        for (ConfigKey<?> key : keys.values()) {
            values.put(key.name(), key.defaultValue());
            sources.put(key.name(), DEFAULT_SOURCE);
        }
    }

    /** Starts from already-validated values (every key present), e.g. an existing TopicConfig. */
    ConfigValues(Map<String, ConfigKey<?>> keys, Map<String, Object> base, UnaryOperator<String> unknownKeyHint) {
        this(keys, unknownKeyHint);
        values.putAll(base);
    }

    /**
     * Sets {@code name} from {@code raw}.
     *
     * @param source where the setting came from, recorded and named in errors; null if unnamed
     * @throws ConfigException for an unknown name or a value the key does not allow
     */
    void set(String name, String raw, String source) {
        ConfigKey<?> key = keys.get(name);
        if (key == null) {
            throw ConfigException.unknownKey(name, source, name == null ? "" : unknownKeyHint.apply(name));
        }
        values.put(name, key.parse(raw, source));
        sources.put(name, source);
    }

    void setAll(Map<String, String> settings, String source) {
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            set(setting.getKey(), setting.getValue(), source);
        }
    }

    /** An unmodifiable copy, in key order. */
    Map<String, Object> values() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** An unmodifiable copy of where each value came from, in key order. */
    Map<String, String> sources() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    }
}
