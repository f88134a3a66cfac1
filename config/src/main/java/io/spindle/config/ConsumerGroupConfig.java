package io.spindle.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The timings one KIP-848 consumer group runs with: the broker's {@code group.consumer.*} values, or the group's own
 * configs (Kafka's group config names, set with IncrementalAlterConfigs on a GROUP resource) on top of them. Units:
 * milliseconds.
 *
 * @param sessionTimeoutMs     a member silent this long is removed (consumer.session.timeout.ms)
 * @param heartbeatIntervalMs  the interval members are told to heartbeat at; below the session timeout
 *                             (consumer.heartbeat.interval.ms)
 * @param assignmentIntervalMs the shortest time between two computations of the group's target assignment
 *                             (consumer.assignment.interval.ms); 0: at the heartbeat that follows any change
 */
public record ConsumerGroupConfig(int sessionTimeoutMs, int heartbeatIntervalMs, int assignmentIntervalMs) {
    /** Group config (Kafka's name): overrides group.consumer.session.timeout.ms for one consumer group. */
    public static final String CONSUMER_SESSION_TIMEOUT_MS = "consumer.session.timeout.ms";
    /** Group config (Kafka's name): overrides group.consumer.heartbeat.interval.ms for one consumer group. */
    public static final String CONSUMER_HEARTBEAT_INTERVAL_MS = "consumer.heartbeat.interval.ms";
    /** Group config (Kafka's name): overrides group.consumer.assignment.interval.ms for one consumer group. */
    public static final String CONSUMER_ASSIGNMENT_INTERVAL_MS = "consumer.assignment.interval.ms";

    /** The names under which the three values are checked: broker settings or group configs. */
    record Names(String sessionTimeout, String heartbeatInterval, String assignmentInterval) {
    }

    static final Names BROKER_NAMES = new Names(BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS,
            BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, ConsumerGroupKeys.GROUP_CONSUMER_ASSIGNMENT_INTERVAL_MS);
    private static final Names GROUP_NAMES = new Names(CONSUMER_SESSION_TIMEOUT_MS, CONSUMER_HEARTBEAT_INTERVAL_MS,
            CONSUMER_ASSIGNMENT_INTERVAL_MS);

    /** The group configs: the same type and validation as the broker keys whose value they override. */
    private static final Map<String, ConfigKey<?>> GROUP_KEYS = ConfigKey.index(List.of(
            BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS_KEY.renamed(CONSUMER_SESSION_TIMEOUT_MS,
                    "A member of this consumer group (group.protocol=consumer) silent this long, in milliseconds, is "
                            + "removed; within group.consumer.min/max.session.timeout.ms."),
            BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS_KEY.renamed(CONSUMER_HEARTBEAT_INTERVAL_MS,
                    "The heartbeat interval members of this consumer group are told to use, in milliseconds; below "
                            + "its session timeout and within group.consumer.min/max.heartbeat.interval.ms."),
            ConsumerGroupKeys.ASSIGNMENT_INTERVAL_MS_KEY.renamed(CONSUMER_ASSIGNMENT_INTERVAL_MS,
                    "The shortest time between two computations of this consumer group's target assignment, in "
                            + "milliseconds; within group.consumer.min/max.assignment.interval.ms.")));

    /** @throws ConfigException naming the first value not allowed by its key's type */
    public ConsumerGroupConfig {
        BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS_KEY.check(sessionTimeoutMs);
        BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS_KEY.check(heartbeatIntervalMs);
        ConsumerGroupKeys.ASSIGNMENT_INTERVAL_MS_KEY.check(assignmentIntervalMs);
    }

    /** The names of the group configs a consumer group may set (IncrementalAlterConfigs on a GROUP resource). */
    public static Set<String> groupConfigNames() {
        return Collections.unmodifiableSet(GROUP_KEYS.keySet());
    }

    /** What a group config means. @throws ConfigException for a name that is no consumer group config */
    public static String groupConfigDocumentation(String name) {
        return groupKey(name).documentation();
    }

    /**
     * These values with one group's configs on top, checked against {@code limits}.
     *
     * @throws ConfigException naming the first unknown group config, or value not allowed and the bound it breaks
     */
    public ConsumerGroupConfig withGroupConfigs(Map<String, String> configs, ConsumerGroupLimits limits) {
        int session = sessionTimeoutMs;
        int heartbeat = heartbeatIntervalMs;
        int assignment = assignmentIntervalMs;
        for (Map.Entry<String, String> e : configs.entrySet()) {
            int value = (Integer) groupKey(e.getKey()).parse(e.getValue(), "group config");
            switch (e.getKey()) {
                case CONSUMER_SESSION_TIMEOUT_MS -> session = value;
                case CONSUMER_HEARTBEAT_INTERVAL_MS -> heartbeat = value;
                default -> assignment = value;
            }
        }
        ConsumerGroupConfig result = new ConsumerGroupConfig(session, heartbeat, assignment);
        limits.check(GROUP_NAMES, result);
        return result;
    }

    /** The group configs' values, by name, as text. */
    public Map<String, String> groupConfigValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(CONSUMER_SESSION_TIMEOUT_MS, Integer.toString(sessionTimeoutMs));
        values.put(CONSUMER_HEARTBEAT_INTERVAL_MS, Integer.toString(heartbeatIntervalMs));
        values.put(CONSUMER_ASSIGNMENT_INTERVAL_MS, Integer.toString(assignmentIntervalMs));
        return values;
    }

    private static ConfigKey<?> groupKey(String name) {
        ConfigKey<?> key = GROUP_KEYS.get(name);
        if (key == null) {
            throw new ConfigException(name, "Unknown group config " + ConfigException.quote(name)
                    + ": a consumer group may set " + String.join(", ", GROUP_KEYS.keySet()));
        }
        return key;
    }
}
