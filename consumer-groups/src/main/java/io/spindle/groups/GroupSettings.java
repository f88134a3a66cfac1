package io.spindle.groups;

import java.util.Map;

/**
 * The coordinator's timing knobs, with Kafka's broker setting names and defaults.
 *
 * @param minSessionTimeoutMs        group.min.session.timeout.ms: a classic JoinGroup below it gets INVALID_SESSION_TIMEOUT
 * @param maxSessionTimeoutMs        group.max.session.timeout.ms: ... above it
 * @param initialRebalanceDelayMs    group.initial.rebalance.delay.ms: how long the first rebalance of an empty classic
 *                                   group waits for more members (extended by each join, up to the rebalance timeout)
 * @param consumerSessionTimeoutMs   group.consumer.session.timeout.ms: a KIP-848 member silent this long is removed
 * @param consumerHeartbeatIntervalMs group.consumer.heartbeat.interval.ms: the interval KIP-848 members are told to use
 * @param offsetsSegmentBytes        segment.bytes of __consumer_offsets
 * @param snapshotMinBytes           bytes appended to __consumer_offsets after which the coordinator writes a snapshot of
 *                                   its state and drops the segments before it (also at least twice the last snapshot)
 */
public record GroupSettings(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs,
                            int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs,
                            int offsetsSegmentBytes, long snapshotMinBytes) {
    public static final String MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String CONSUMER_SESSION_TIMEOUT_MS = "group.consumer.session.timeout.ms";
    public static final String CONSUMER_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String OFFSETS_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String SNAPSHOT_MIN_BYTES = "offsets.snapshot.min.bytes";

    public GroupSettings {
        if (minSessionTimeoutMs < 1 || maxSessionTimeoutMs < minSessionTimeoutMs || initialRebalanceDelayMs < 0
                || consumerSessionTimeoutMs < 1 || consumerHeartbeatIntervalMs < 1
                || consumerHeartbeatIntervalMs >= consumerSessionTimeoutMs || offsetsSegmentBytes < 1024
                || snapshotMinBytes < 1) {
            throw new IllegalArgumentException("inconsistent group settings: " + minSessionTimeoutMs + ".."
                    + maxSessionTimeoutMs + " ms session, " + initialRebalanceDelayMs + " ms initial delay, "
                    + consumerSessionTimeoutMs + "/" + consumerHeartbeatIntervalMs + " ms consumer session/heartbeat, "
                    + offsetsSegmentBytes + " segment bytes, " + snapshotMinBytes + " snapshot bytes");
        }
    }

    /**
     * Kafka's defaults, except group.initial.rebalance.delay.ms (0 here, 3000 in Kafka): a single broker has
     * no start-up storm of members to gather, and the delay only slows the first consumer down.
     */
    public static GroupSettings defaults() {
        return new GroupSettings(6_000, 1_800_000, 0, 45_000, 5_000, 4 * 1024 * 1024, 8L * 1024 * 1024);
    }

    /**
     * {@link #defaults()} with the keys present in {@code values} (names as the constants above) applied.
     *
     * @throws IllegalArgumentException naming a key whose value is not a number, or an inconsistent result
     */
    public static GroupSettings from(Map<String, String> values) {
        GroupSettings d = defaults();
        return new GroupSettings(
                (int) number(values, MIN_SESSION_TIMEOUT_MS, d.minSessionTimeoutMs),
                (int) number(values, MAX_SESSION_TIMEOUT_MS, d.maxSessionTimeoutMs),
                (int) number(values, INITIAL_REBALANCE_DELAY_MS, d.initialRebalanceDelayMs),
                (int) number(values, CONSUMER_SESSION_TIMEOUT_MS, d.consumerSessionTimeoutMs),
                (int) number(values, CONSUMER_HEARTBEAT_INTERVAL_MS, d.consumerHeartbeatIntervalMs),
                (int) number(values, OFFSETS_SEGMENT_BYTES, d.offsetsSegmentBytes),
                number(values, SNAPSHOT_MIN_BYTES, d.snapshotMinBytes));
    }

    private static long number(Map<String, String> values, String key, long fallback) {
        String raw = values.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + raw + "'", e);
        }
    }
}
