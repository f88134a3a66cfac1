package io.spindle.broker.admin;

import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * Configs of groups (ConfigResource type GROUP) as DescribeConfigs and IncrementalAlterConfigs see them: KIP-848
 * groups' {@code consumer.*} and share groups' {@code share.*} configs, each applied by its coordinator and joined by
 * {@link CombinedGroupConfigs}. A single broker's coordinators store them in their logs; in a cluster the metadata
 * quorum keeps them ({@link #keepInMetadata}), so that any broker takes a change and every broker applies it.
 * Thread-safe.
 */
public interface GroupConfigs {
    /** No group configs: every GROUP config is unknown. */
    GroupConfigs NONE = new GroupConfigs() {
        @Override
        public Set<String> names() {
            return Set.of();
        }

        @Override
        public String documentation(String name) {
            return "";
        }

        @Override
        public Map<String, String> overrides(String group) {
            return Map.of();
        }

        @Override
        public Map<String, String> values(String group) {
            return Map.of();
        }

        @Override
        public void replace(String group, Map<String, String> overrides, boolean validateOnly) {
            if (!overrides.isEmpty()) {
                throw new InvalidConfigurationException("Unknown group config(s) "
                        + overrides.keySet() + " for group '" + group + "'.");
            }
        }

        @Override
        public void keepInMetadata(BiConsumer<String, Set<String>> forget) {
        }

        @Override
        public void apply(String group, Map<String, String> configs) {
        }
    };

    /** Every config a group may set. */
    Set<String> names();

    /** What a config means. */
    String documentation(String name);

    /** The configs {@code group} set itself. */
    Map<String, String> overrides(String group);

    /** Every config's value for {@code group}: its own, else the broker's default. */
    Map<String, String> values(String group);

    /**
     * Replaces the configs {@code group} sets, blocking until they are durable (called on the admin executor).
     *
     * @throws io.spindle.config.ConfigException naming an unknown config or a value not allowed; nothing changed
     */
    void replace(String group, Map<String, String> overrides, boolean validateOnly);

    /**
     * In a cluster: from now on the cluster's metadata keeps the configs, not the coordinators' logs. Each group's
     * configs arrive through {@link #apply}; {@link #replace} only validates; {@code forget} is told of a deleted group
     * and the config names of its kind, which go with it. Call before the coordinators first load.
     */
    void keepInMetadata(BiConsumer<String, Set<String>> forget);

    /**
     * A group's configs as the cluster's metadata now has them (empty: none), applied at once and stored nowhere here.
     * Quick (no disk): called on the thread that applies the metadata.
     */
    void apply(String group, Map<String, String> configs);
}
