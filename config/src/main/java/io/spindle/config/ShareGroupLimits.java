package io.spindle.config;

/**
 * The bounds a share group lives within (Kafka's broker settings of the same names, KIP-932 and KIP-1240): how many
 * members it may have, and the range each per-group value may take. The broker's own value of each setting
 * ({@link ShareSettings}) must lie in its range, and so must a share group's config overriding it; either is
 * refused naming the setting otherwise. Units: milliseconds.
 *
 * @param maxSize                 group.share.max.size: most members of one share group; one more joining gets
 *                                GROUP_MAX_SIZE_REACHED
 * @param minSessionTimeoutMs     group.share.min.session.timeout.ms
 * @param maxSessionTimeoutMs     group.share.max.session.timeout.ms
 * @param minHeartbeatIntervalMs  group.share.min.heartbeat.interval.ms
 * @param maxHeartbeatIntervalMs  group.share.max.heartbeat.interval.ms
 * @param minRecordLockDurationMs group.share.min.record.lock.duration.ms
 * @param maxRecordLockDurationMs group.share.max.record.lock.duration.ms
 * @param minDeliveryCountLimit   group.share.min.delivery.count.limit
 * @param maxDeliveryCountLimit   group.share.max.delivery.count.limit
 * @param minPartitionMaxRecordLocks group.share.min.partition.max.record.locks
 * @param maxPartitionMaxRecordLocks group.share.max.partition.max.record.locks
 * @param minAssignmentIntervalMs group.share.min.assignment.interval.ms
 * @param maxAssignmentIntervalMs group.share.max.assignment.interval.ms
 */
public record ShareGroupLimits(int maxSize, int minSessionTimeoutMs, int maxSessionTimeoutMs, int minHeartbeatIntervalMs,
                               int maxHeartbeatIntervalMs, int minRecordLockDurationMs, int maxRecordLockDurationMs,
                               int minDeliveryCountLimit, int maxDeliveryCountLimit, int minPartitionMaxRecordLocks,
                               int maxPartitionMaxRecordLocks, int minAssignmentIntervalMs,
                               int maxAssignmentIntervalMs) {
    /** The widest limits the keys allow: for settings built by hand (tests) rather than from a configuration. */
    public static final ShareGroupLimits WIDEST = new ShareGroupLimits(1_000, 1, Integer.MAX_VALUE, 1,
            Integer.MAX_VALUE, 100, 3_600_000, 2, 25, 100, 10_000, 0, Integer.MAX_VALUE);

    /** @throws ConfigException naming the first setting whose value is not allowed, or a maximum below its minimum */
    public ShareGroupLimits {
        ShareBrokerKeys.GROUP_SHARE_MAX_SIZE_KEY.check(maxSize);
        ShareBrokerKeys.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS_KEY.check(minSessionTimeoutMs);
        ShareBrokerKeys.GROUP_SHARE_MAX_SESSION_TIMEOUT_MS_KEY.check(maxSessionTimeoutMs);
        ShareBrokerKeys.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS_KEY.check(minHeartbeatIntervalMs);
        ShareBrokerKeys.GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS_KEY.check(maxHeartbeatIntervalMs);
        ShareBrokerKeys.GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS_KEY.check(minRecordLockDurationMs);
        ShareBrokerKeys.GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS_KEY.check(maxRecordLockDurationMs);
        ShareBrokerKeys.GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT_KEY.check(minDeliveryCountLimit);
        ShareBrokerKeys.GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT_KEY.check(maxDeliveryCountLimit);
        ShareBrokerKeys.GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS_KEY.check(minPartitionMaxRecordLocks);
        ShareBrokerKeys.GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS_KEY.check(maxPartitionMaxRecordLocks);
        ShareBrokerKeys.GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS_KEY.check(minAssignmentIntervalMs);
        ShareBrokerKeys.GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS_KEY.check(maxAssignmentIntervalMs);
        atLeast(BrokerConfig.GROUP_SHARE_MAX_SESSION_TIMEOUT_MS, maxSessionTimeoutMs,
                BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, minSessionTimeoutMs);
        atLeast(BrokerConfig.GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS, maxHeartbeatIntervalMs,
                BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS, minHeartbeatIntervalMs);
        atLeast(BrokerConfig.GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS, maxRecordLockDurationMs,
                BrokerConfig.GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS, minRecordLockDurationMs);
        atLeast(BrokerConfig.GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT, maxDeliveryCountLimit,
                BrokerConfig.GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT, minDeliveryCountLimit);
        atLeast(BrokerConfig.GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS, maxAssignmentIntervalMs,
                BrokerConfig.GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS, minAssignmentIntervalMs);
        // The keys' own ranges meet at 2000, so the maximum cannot fall below the minimum.
    }

    /** Checks {@code value} of setting {@code key} (broker setting or group config) against [min, max]. */
    static void within(String key, int value, int min, String minKey, int max, String maxKey) {
        if (value < min || value > max) {
            throw ConfigException.invalidValue(key, "configuration " + ConfigException.quote(key),
                    Integer.toString(value), "an integer in [" + min + ", " + max + "] ("
                            + ConfigException.quote(minKey) + ", " + ConfigException.quote(maxKey) + ")", null);
        }
    }

    private static void atLeast(String key, int value, String otherKey, int other) {
        if (value < other) {
            throw ConfigException.invalidValue(key, "configuration " + ConfigException.quote(key),
                    Integer.toString(value), "an integer >= " + other + " (" + ConfigException.quote(otherKey) + ")",
                    null);
        }
    }
}
