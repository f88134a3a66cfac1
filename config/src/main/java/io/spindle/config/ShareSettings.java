package io.spindle.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The share-group coordinator's settings (module share-groups, KIP-932), defined by the {@code group.share.*} keys
 * of {@link BrokerConfig} under Kafka's broker setting names; {@link BrokerConfig#shares()} builds it once when the
 * configuration is loaded. Every component is checked by its key. Units: milliseconds.
 *
 * @param recordLockDurationMs  group.share.record.lock.duration.ms: how long a consumer holds the records it acquired
 *                              before they become available to others again (the acquisition lock)
 * @param deliveryCountLimit    group.share.delivery.count.limit: a record delivered this many times and released or
 *                              timed out again is archived, never delivered again
 * @param maxRecordLocks        group.share.partition.max.record.locks: most records in a share-partition's in-flight
 *                              window (between the oldest record not yet acknowledged and the newest acquired)
 * @param sessionTimeoutMs      group.share.session.timeout.ms: a share-group member silent this long is removed and
 *                              its acquired records released
 * @param heartbeatIntervalMs   group.share.heartbeat.interval.ms: the interval members are told to heartbeat at;
 *                              below the session timeout
 * @param autoOffsetReset       group.share.auto.offset.reset: where a share group starts in a partition it has no
 *                              state for (Spindle's broker-wide default of Kafka's group config share.auto.offset.reset)
 */
public record ShareSettings(int recordLockDurationMs, int deliveryCountLimit, int maxRecordLocks, int sessionTimeoutMs,
                            int heartbeatIntervalMs, ShareAutoOffsetReset autoOffsetReset) {
    /** Group config (Kafka's name): overrides group.share.record.lock.duration.ms for one share group. */
    public static final String SHARE_RECORD_LOCK_DURATION_MS = "share.record.lock.duration.ms";
    /** Group config (Kafka's name): overrides group.share.delivery.count.limit for one share group. */
    public static final String SHARE_DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
    /** Group config (Kafka's name): overrides group.share.auto.offset.reset for one share group. */
    public static final String SHARE_AUTO_OFFSET_RESET = "share.auto.offset.reset";

    /** The group configs: the same type and validation as the broker keys whose value they override. */
    private static final Map<String, ConfigKey<?>> GROUP_KEYS = ConfigKey.index(List.of(
            BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS_KEY.renamed(SHARE_RECORD_LOCK_DURATION_MS,
                    "How long a consumer of this share group holds the records it acquired, in milliseconds."),
            BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT_KEY.renamed(SHARE_DELIVERY_COUNT_LIMIT,
                    "Deliveries after which a released or timed-out record of this share group is archived."),
            BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET_KEY.renamed(SHARE_AUTO_OFFSET_RESET,
                    "Where this share group starts in a partition it has no state for: latest or earliest.")));

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public ShareSettings {
        BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS_KEY.check(recordLockDurationMs);
        BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT_KEY.check(deliveryCountLimit);
        BrokerConfig.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS_KEY.check(maxRecordLocks);
        BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS_KEY.check(sessionTimeoutMs);
        BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS_KEY.check(heartbeatIntervalMs);
        BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET_KEY.check(autoOffsetReset);
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw ConfigException.invalidValue(BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS,
                    "configuration " + ConfigException.quote(BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS),
                    Integer.toString(heartbeatIntervalMs), "an integer < " + sessionTimeoutMs + " ("
                            + ConfigException.quote(BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS) + ")", null);
        }
    }

    /** The names of the group configs a share group may set (IncrementalAlterConfigs on a GROUP resource). */
    public static Set<String> groupConfigNames() {
        return Collections.unmodifiableSet(GROUP_KEYS.keySet());
    }

    /** What a group config means. @throws ConfigException for a name that is no group config */
    public static String groupConfigDocumentation(String name) {
        return groupKey(name).documentation();
    }

    /**
     * These settings with one share group's configs on top.
     *
     * @throws ConfigException naming the first unknown group config or value not allowed
     */
    public ShareSettings withGroupConfigs(Map<String, String> configs) {
        int lock = recordLockDurationMs;
        int limit = deliveryCountLimit;
        ShareAutoOffsetReset reset = autoOffsetReset;
        for (Map.Entry<String, String> e : configs.entrySet()) {
            Object value = groupKey(e.getKey()).parse(e.getValue(), "group config");
            switch (e.getKey()) {
                case SHARE_RECORD_LOCK_DURATION_MS -> lock = (Integer) value;
                case SHARE_DELIVERY_COUNT_LIMIT -> limit = (Integer) value;
                default -> reset = (ShareAutoOffsetReset) value;
            }
        }
        return new ShareSettings(lock, limit, maxRecordLocks, sessionTimeoutMs, heartbeatIntervalMs, reset);
    }

    /** The group configs' values in these settings, by name, as text. */
    public Map<String, String> groupConfigValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(SHARE_RECORD_LOCK_DURATION_MS, Integer.toString(recordLockDurationMs));
        values.put(SHARE_DELIVERY_COUNT_LIMIT, Integer.toString(deliveryCountLimit));
        values.put(SHARE_AUTO_OFFSET_RESET, autoOffsetReset.configName());
        return values;
    }

    private static ConfigKey<?> groupKey(String name) {
        ConfigKey<?> key = GROUP_KEYS.get(name);
        if (key == null) {
            throw new ConfigException(name, "Unknown group config " + ConfigException.quote(name) + ": a share group may set "
                    + String.join(", ", GROUP_KEYS.keySet()));
        }
        return key;
    }

    /** Kafka's defaults; share.auto.offset.reset latest, as Kafka's group config. */
    public static ShareSettings defaults() {
        return BrokerConfig.defaults().shares();
    }
}
