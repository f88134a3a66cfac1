package io.spindle.broker.admin;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * Configs of groups (ConfigResource type GROUP) as DescribeConfigs and IncrementalAlterConfigs see them: KIP-848
 * groups' {@code consumer.*} and share groups' {@code share.*} configs, each kept by its coordinator and joined by
 * {@link CombinedGroupConfigs}. Thread-safe.
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
}
