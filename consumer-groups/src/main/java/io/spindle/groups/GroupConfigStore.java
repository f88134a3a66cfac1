package io.spindle.groups;

import io.spindle.config.ConfigException;
import io.spindle.config.ConsumerGroupConfig;
import io.spindle.config.GroupSettings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configs KIP-848 groups set for themselves (Kafka's consumer.* group configs) and the timings they make with the
 * broker's group.consumer.* values. A group's configs live apart from its membership: a group is usually configured
 * before its first member joins, and keeps its configs while empty. Written on the coordinator thread only; read from
 * any thread (DescribeConfigs answers on an event loop).
 */
final class GroupConfigStore {
    private static final Logger LOG = LoggerFactory.getLogger(GroupConfigStore.class);

    private final GroupSettings settings;
    private final Map<String, Map<String, String>> overrides = new ConcurrentHashMap<>();
    private final Map<String, ConsumerGroupConfig> effective = new ConcurrentHashMap<>();

    GroupConfigStore(GroupSettings settings) {
        this.settings = settings;
    }

    /** Forgets every group's configs (the coordinator unloads). */
    void clear() {
        overrides.clear();
        effective.clear();
    }

    /**
     * A group's stored configs read back at load ({@code null}: a tombstone). A config stored under wider bounds
     * than today's is ignored, said once: the broker's values apply to that group instead.
     */
    void restore(String group, Map<String, String> configs) {
        if (configs == null || configs.isEmpty()) {
            overrides.remove(group);
            effective.remove(group);
            return;
        }
        overrides.put(group, Map.copyOf(configs));
        try {
            effective.put(group, settings.consumerGroup(configs));
        } catch (ConfigException e) {
            effective.remove(group);
            LOG.warn("Group '{}': ignoring its stored configs {}: {}", group, configs, e.getMessage());
        }
    }

    /**
     * The timings {@code configs} would give a group.
     *
     * @throws ConfigException naming an unknown config, or a value not allowed and the bound it breaks
     */
    ConsumerGroupConfig validate(Map<String, String> configs) {
        return settings.consumerGroup(configs);
    }

    /** Replaces a group's configs with {@code configs} (empty: none), which make {@code config}. */
    void put(String group, Map<String, String> configs, ConsumerGroupConfig config) {
        if (configs.isEmpty()) {
            overrides.remove(group);
            effective.remove(group);
        } else {
            overrides.put(group, Map.copyOf(configs));
            effective.put(group, config);
        }
    }

    /** The configs {@code group} set (empty when none). */
    Map<String, String> overrides(String group) {
        return overrides.getOrDefault(group, Map.of());
    }

    /** The timings of {@code group}: its configs on top of the broker's values. */
    ConsumerGroupConfig config(String group) {
        ConsumerGroupConfig config = effective.get(group);
        return config != null ? config : settings.consumerGroup();
    }
}
