package io.spindle.config;

/**
 * The bounds a KIP-848 consumer group lives within (Kafka's broker settings of the same names): the range each
 * per-group value may take. The broker's own value of each ({@link GroupSettings}) must lie in its range, and so must
 * a group's config overriding it; either is refused naming the setting and the bound otherwise. Units: milliseconds.
 *
 * @param minSessionTimeoutMs     group.consumer.min.session.timeout.ms
 * @param maxSessionTimeoutMs     group.consumer.max.session.timeout.ms
 * @param minHeartbeatIntervalMs  group.consumer.min.heartbeat.interval.ms
 * @param maxHeartbeatIntervalMs  group.consumer.max.heartbeat.interval.ms
 * @param minAssignmentIntervalMs group.consumer.min.assignment.interval.ms
 * @param maxAssignmentIntervalMs group.consumer.max.assignment.interval.ms
 */
public record ConsumerGroupLimits(int minSessionTimeoutMs, int maxSessionTimeoutMs, int minHeartbeatIntervalMs,
                                  int maxHeartbeatIntervalMs, int minAssignmentIntervalMs,
                                  int maxAssignmentIntervalMs) {
    /** The widest limits the keys allow: for settings built by hand (tests) rather than from a configuration. */
    public static final ConsumerGroupLimits WIDEST = new ConsumerGroupLimits(1, Integer.MAX_VALUE, 1,
            Integer.MAX_VALUE, 0, Integer.MAX_VALUE);

    /** @throws ConfigException naming the first setting whose value is not allowed, or a maximum below its minimum */
    public ConsumerGroupLimits {
        ConsumerGroupKeys.MIN_SESSION_TIMEOUT_MS_KEY.check(minSessionTimeoutMs);
        ConsumerGroupKeys.MAX_SESSION_TIMEOUT_MS_KEY.check(maxSessionTimeoutMs);
        ConsumerGroupKeys.MIN_HEARTBEAT_INTERVAL_MS_KEY.check(minHeartbeatIntervalMs);
        ConsumerGroupKeys.MAX_HEARTBEAT_INTERVAL_MS_KEY.check(maxHeartbeatIntervalMs);
        ConsumerGroupKeys.MIN_ASSIGNMENT_INTERVAL_MS_KEY.check(minAssignmentIntervalMs);
        ConsumerGroupKeys.MAX_ASSIGNMENT_INTERVAL_MS_KEY.check(maxAssignmentIntervalMs);
        notBelow(ConsumerGroupKeys.GROUP_CONSUMER_MAX_SESSION_TIMEOUT_MS, maxSessionTimeoutMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS, minSessionTimeoutMs);
        notBelow(ConsumerGroupKeys.GROUP_CONSUMER_MAX_HEARTBEAT_INTERVAL_MS, maxHeartbeatIntervalMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS, minHeartbeatIntervalMs);
        notBelow(ConsumerGroupKeys.GROUP_CONSUMER_MAX_ASSIGNMENT_INTERVAL_MS, maxAssignmentIntervalMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_ASSIGNMENT_INTERVAL_MS, minAssignmentIntervalMs);
    }

    /**
     * Checks a consumer group's three values, each named by {@code names} (broker settings or group configs), against
     * these limits, and the heartbeat interval below the session timeout (else a member would be removed between two
     * heartbeats it was told to send).
     */
    void check(ConsumerGroupConfig.Names names, ConsumerGroupConfig values) {
        ShareGroupLimits.within(names.sessionTimeout(), values.sessionTimeoutMs(), minSessionTimeoutMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS, maxSessionTimeoutMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MAX_SESSION_TIMEOUT_MS);
        ShareGroupLimits.within(names.heartbeatInterval(), values.heartbeatIntervalMs(), minHeartbeatIntervalMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS, maxHeartbeatIntervalMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MAX_HEARTBEAT_INTERVAL_MS);
        ShareGroupLimits.within(names.assignmentInterval(), values.assignmentIntervalMs(), minAssignmentIntervalMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MIN_ASSIGNMENT_INTERVAL_MS, maxAssignmentIntervalMs,
                ConsumerGroupKeys.GROUP_CONSUMER_MAX_ASSIGNMENT_INTERVAL_MS);
        if (values.heartbeatIntervalMs() >= values.sessionTimeoutMs()) {
            throw ConfigException.invalidValue(names.heartbeatInterval(), "configuration "
                            + ConfigException.quote(names.heartbeatInterval()), Integer.toString(values.heartbeatIntervalMs()),
                    "an integer < " + values.sessionTimeoutMs() + " (" + ConfigException.quote(names.sessionTimeout())
                            + ")", null);
        }
    }

    private static void notBelow(String key, int value, String otherKey, int other) {
        if (value < other) {
            throw ConfigException.invalidValue(key, "configuration " + ConfigException.quote(key),
                    Integer.toString(value), "an integer >= " + other + " (" + ConfigException.quote(otherKey) + ")",
                    null);
        }
    }
}
