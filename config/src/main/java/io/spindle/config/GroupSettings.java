package io.spindle.config;

import java.util.Map;

/**
 * The group coordinator's settings (module consumer-groups), defined by the {@code group.*} and
 * {@code offsets.*} keys of {@link BrokerConfig}, under Kafka's broker setting names; {@link BrokerConfig#groups()}
 * builds it once when the configuration is loaded. Every component is checked by its key, so a section built in
 * code is refused with the message a bad setting would get, and so are two settings that contradict each other.
 * Units: milliseconds and bytes.
 *
 * @param minSessionTimeoutMs         group.min.session.timeout.ms: a classic JoinGroup below it gets INVALID_SESSION_TIMEOUT
 * @param maxSessionTimeoutMs         group.max.session.timeout.ms: ... above it; at least the minimum
 * @param initialRebalanceDelayMs     group.initial.rebalance.delay.ms: how long the first rebalance of an empty
 *                                    classic group waits for more members (extended by each join, up to the
 *                                    rebalance timeout)
 * @param consumerSessionTimeoutMs    group.consumer.session.timeout.ms: a KIP-848 member silent this long is removed
 * @param consumerHeartbeatIntervalMs group.consumer.heartbeat.interval.ms: the interval KIP-848 members are told to
 *                                    use; below the session timeout, or every member would time out between beats
 * @param offsetsSegmentBytes         offsets.topic.segment.bytes: segment.bytes of __consumer_offsets
 * @param snapshotMinBytes            offsets.snapshot.min.bytes: no longer used (compaction bounds __consumer_offsets);
 *                                    kept so that configuration files from earlier versions still load
 * @param consumerAssignmentIntervalMs group.consumer.assignment.interval.ms: the shortest time between two
 *                                    computations of a KIP-848 group's target assignment
 * @param consumerLimits              the group.consumer.min/max.* bounds: the consumer session timeout, heartbeat
 *                                    interval and assignment interval above, and every group's configs overriding
 *                                    them ({@link #consumerGroup(Map)}), lie within them
 */
public record GroupSettings(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs,
                            int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs,
                            int offsetsSegmentBytes, long snapshotMinBytes, int consumerAssignmentIntervalMs,
                            ConsumerGroupLimits consumerLimits) {

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public GroupSettings {
        BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS_KEY.check(minSessionTimeoutMs);
        BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS_KEY.check(maxSessionTimeoutMs);
        BrokerConfig.GROUP_INITIAL_REBALANCE_DELAY_MS_KEY.check(initialRebalanceDelayMs);
        BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS_KEY.check(consumerSessionTimeoutMs);
        BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS_KEY.check(consumerHeartbeatIntervalMs);
        BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES_KEY.check(offsetsSegmentBytes);
        BrokerConfig.OFFSETS_SNAPSHOT_MIN_BYTES_KEY.check(snapshotMinBytes);
        if (maxSessionTimeoutMs < minSessionTimeoutMs) {
            throw contradiction(BrokerConfig.GROUP_MAX_SESSION_TIMEOUT_MS, maxSessionTimeoutMs, "an integer >= ",
                    BrokerConfig.GROUP_MIN_SESSION_TIMEOUT_MS, minSessionTimeoutMs);
        }
        if (consumerHeartbeatIntervalMs >= consumerSessionTimeoutMs) {
            throw contradiction(BrokerConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, consumerHeartbeatIntervalMs,
                    "an integer < ", BrokerConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS, consumerSessionTimeoutMs);
        }
        consumerLimits.check(ConsumerGroupConfig.BROKER_NAMES, new ConsumerGroupConfig(consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, consumerAssignmentIntervalMs));
    }

    /** As the canonical constructor, with an assignment interval of 0 within {@link ConsumerGroupLimits#WIDEST} (tests). */
    public GroupSettings(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs,
                         int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs, int offsetsSegmentBytes,
                         long snapshotMinBytes) {
        this(minSessionTimeoutMs, maxSessionTimeoutMs, initialRebalanceDelayMs, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, offsetsSegmentBytes, snapshotMinBytes, 0, ConsumerGroupLimits.WIDEST);
    }

    /** The timings of a KIP-848 group that sets no group configs: the broker's group.consumer.* values. */
    public ConsumerGroupConfig consumerGroup() {
        return new ConsumerGroupConfig(consumerSessionTimeoutMs, consumerHeartbeatIntervalMs,
                consumerAssignmentIntervalMs);
    }

    /**
     * The timings of a KIP-848 group with {@code groupConfigs} (consumer.* group configs) on top of the broker's.
     *
     * @throws ConfigException naming an unknown config, or a value not allowed and the bound it breaks
     */
    public ConsumerGroupConfig consumerGroup(Map<String, String> groupConfigs) {
        return consumerGroup().withGroupConfigs(groupConfigs, consumerLimits);
    }

    /**
     * Kafka's defaults, except group.initial.rebalance.delay.ms (0 here, 3000 in Kafka): a single broker has
     * no start-up storm of members to gather, and the delay only slows the first consumer down.
     */
    public static GroupSettings defaults() {
        return BrokerConfig.defaults().groups();
    }

    private static ConfigException contradiction(String key, long value, String relation, String otherKey,
                                                 long otherValue) {
        return ConfigException.invalidValue(key, "configuration " + ConfigException.quote(key),
                Long.toString(value), relation + otherValue + " (" + ConfigException.quote(otherKey) + ")", null);
    }
}
