package io.spindle.config;

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

    /** Kafka's defaults; share.auto.offset.reset latest, as Kafka's group config. */
    public static ShareSettings defaults() {
        return BrokerConfig.defaults().shares();
    }
}
