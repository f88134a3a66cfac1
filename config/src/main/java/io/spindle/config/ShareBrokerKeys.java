package io.spindle.config;

import java.util.List;
import java.util.Map;

/**
 * The broker's share-group settings ({@code group.share.*}, KIP-932 and Spindle's own): their definitions and the
 * {@link ShareSettings} section made of them. The names stay on {@link BrokerConfig} with every other broker key.
 */
final class ShareBrokerKeys {
    static final ConfigKey<Integer> GROUP_SHARE_RECORD_LOCK_DURATION_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS, ValueType.intBetween(100, 3_600_000), 30_000,
            "How long a share consumer holds the records it acquired, in milliseconds, before they become available "
                    + "to other consumers again (Kafka's default); within group.share.min/max.record.lock.duration.ms (Spindle "
                    + "allows down to 100 ms).");
    static final ConfigKey<Integer> GROUP_SHARE_DELIVERY_COUNT_LIMIT_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, ValueType.intBetween(2, 10), 5,
            "A record of a share group delivered this many times and then released or timed out is archived and "
                    + "never delivered again; within group.share.min/max.delivery.count.limit.");
    static final ConfigKey<Integer> GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS, ValueType.intBetween(100, 10_000), 2_000,
            "The most records a share group keeps in flight per partition (from the oldest record not yet "
                    + "acknowledged to the newest acquired); past it no new records are acquired; within "
                    + "group.share.min/max.partition.max.record.locks.");
    static final ConfigKey<Integer> GROUP_SHARE_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, ValueType.intAtLeast(1), 45_000,
            "A share-group member silent this long, in milliseconds, is removed from its group and its acquired "
                    + "records are released; within group.share.min/max.session.timeout.ms.");
    static final ConfigKey<Integer> GROUP_SHARE_HEARTBEAT_INTERVAL_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS, ValueType.intAtLeast(1), 5_000,
            "The heartbeat interval share-group members are told to use, in milliseconds; below "
                    + "group.share.session.timeout.ms and within group.share.min/max.heartbeat.interval.ms.");
    static final ConfigKey<ShareAutoOffsetReset> GROUP_SHARE_AUTO_OFFSET_RESET_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_AUTO_OFFSET_RESET, ShareAutoOffsetReset.valueType(), ShareAutoOffsetReset.LATEST,
            "Where a share group starts in a partition it has no state for: latest (the high watermark when the group "
                    + "first fetches it, Kafka's default of share.auto.offset.reset) or earliest (the log start).");
    static final ConfigKey<ShareIsolationLevel> GROUP_SHARE_ISOLATION_LEVEL_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_ISOLATION_LEVEL, ShareIsolationLevel.valueType(), ShareIsolationLevel.READ_UNCOMMITTED,
            "Spindle's: which records of transactional producers share groups deliver: read_uncommitted (all of them, "
                    + "Kafka's default of share.isolation.level) or read_committed (committed ones only, below the last "
                    + "stable offset; records of aborted transactions are archived undelivered).");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_SHARE_SESSIONS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS, ValueType.intAtLeast(1), 2_000,
            "The most share sessions the broker keeps (one per share consumer fetching from it); a consumer opening "
                    + "one more is refused with SHARE_SESSION_LIMIT_REACHED (Kafka's name and default).");
    static final ConfigKey<String> GROUP_SHARE_DEAD_LETTER_TOPIC_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_DEAD_LETTER_TOPIC, ValueType.topicPattern(), "",
            "Spindle's: where share groups copy a record they reject or that reaches the delivery count limit, before "
                    + "archiving it; {topic} stands for the record's topic (e.g. {topic}.dlq). Empty: archived only.");
    static final ConfigKey<Integer> GROUP_SHARE_REDELIVERY_BACKOFF_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_REDELIVERY_BACKOFF_MS, ValueType.intBetween(0, 3_600_000), 0,
            "Spindle's: how long a share group's released or timed-out record waits before it is delivered again, "
                    + "in milliseconds, after its first delivery; doubled after each later one. 0: at once.");
    static final ConfigKey<Integer> GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS, ValueType.intBetween(0, 3_600_000), 60_000,
            "Spindle's: the longest wait before a released or timed-out record is delivered again, in milliseconds.");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_SIZE_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_SIZE, ValueType.intBetween(1, 1_000), 200,
            "The most members one share group may have; one more joining is refused with GROUP_MAX_SIZE_REACHED "
                    + "(Kafka's name, default and bounds). At most group.share.max.share.sessions.");
    static final ConfigKey<Integer> GROUP_SHARE_MIN_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, ValueType.intAtLeast(1), 45_000,
            "The shortest group.share.session.timeout.ms allowed, in milliseconds (Kafka's default).");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_SESSION_TIMEOUT_MS, ValueType.intAtLeast(1), 60_000,
            "The longest group.share.session.timeout.ms allowed, in milliseconds (Kafka's default).");
    static final ConfigKey<Integer> GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS, ValueType.intAtLeast(1), 5_000,
            "The shortest group.share.heartbeat.interval.ms allowed, in milliseconds (Kafka's default).");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS, ValueType.intAtLeast(1), 15_000,
            "The longest group.share.heartbeat.interval.ms allowed, in milliseconds (Kafka's default).");
    static final ConfigKey<Integer> GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS, ValueType.intBetween(100, 30_000), 15_000,
            "The shortest acquisition lock, in milliseconds, that group.share.record.lock.duration.ms and a share "
                    + "group's share.record.lock.duration.ms may set (Kafka's default; Spindle allows down to 100 ms).");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS, ValueType.intBetween(30_000, 3_600_000), 60_000,
            "The longest acquisition lock, in milliseconds, that group.share.record.lock.duration.ms and a share "
                    + "group's share.record.lock.duration.ms may set (Kafka's default and bounds).");
    static final ConfigKey<Integer> GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT, ValueType.intBetween(2, 5), 2,
            "The lowest delivery count limit group.share.delivery.count.limit and a share group's "
                    + "share.delivery.count.limit may set (Kafka's default and bounds).");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT, ValueType.intBetween(5, 25), 10,
            "The highest delivery count limit group.share.delivery.count.limit and a share group's "
                    + "share.delivery.count.limit may set (Kafka's default and bounds).");
    static final ConfigKey<Integer> GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS, ValueType.intBetween(100, 2_000), 100,
            "The lowest record lock limit per partition that group.share.partition.max.record.locks and a share "
                    + "group's share.partition.max.record.locks may set (Kafka's default and bounds).");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS, ValueType.intBetween(2_000, 10_000), 4_000,
            "The highest record lock limit per partition that group.share.partition.max.record.locks and a share "
                    + "group's share.partition.max.record.locks may set (Kafka's default and bounds).");

    static final ConfigKey<Integer> GROUP_SHARE_ASSIGNMENT_INTERVAL_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_ASSIGNMENT_INTERVAL_MS, ValueType.intAtLeast(0), 0,
            "The shortest time between two computations of a share group's assignment, in milliseconds: changes "
                    + "(members joining or leaving, subscriptions, partition counts) that come sooner are assigned "
                    + "together at the first heartbeat after it (KIP-1263). Kafka's default is 1000; Spindle's is 0 "
                    + "(every change is assigned at once), since its assignor runs in microseconds.");
    static final ConfigKey<Integer> GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS, ValueType.intAtLeast(0), 0,
            "The shortest assignment interval, in milliseconds, that group.share.assignment.interval.ms and a share "
                    + "group's share.assignment.interval.ms may set (Kafka's default).");
    static final ConfigKey<Integer> GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS_KEY = new ConfigKey<>(
            BrokerConfig.GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS, ValueType.intAtLeast(0), 15_000,
            "The longest assignment interval, in milliseconds, that group.share.assignment.interval.ms and a share "
                    + "group's share.assignment.interval.ms may set (Kafka's default).");

    static final List<ConfigKey<?>> ALL = List.of(GROUP_SHARE_RECORD_LOCK_DURATION_MS_KEY, GROUP_SHARE_DELIVERY_COUNT_LIMIT_KEY, GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS_KEY, GROUP_SHARE_SESSION_TIMEOUT_MS_KEY, GROUP_SHARE_HEARTBEAT_INTERVAL_MS_KEY, GROUP_SHARE_AUTO_OFFSET_RESET_KEY, GROUP_SHARE_MAX_SHARE_SESSIONS_KEY, GROUP_SHARE_DEAD_LETTER_TOPIC_KEY, GROUP_SHARE_REDELIVERY_BACKOFF_MS_KEY, GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS_KEY, GROUP_SHARE_MAX_SIZE_KEY, GROUP_SHARE_MIN_SESSION_TIMEOUT_MS_KEY, GROUP_SHARE_MAX_SESSION_TIMEOUT_MS_KEY, GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS_KEY, GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS_KEY, GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS_KEY, GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS_KEY, GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT_KEY, GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT_KEY,
            GROUP_SHARE_ISOLATION_LEVEL_KEY, GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS_KEY,
            GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS_KEY, GROUP_SHARE_ASSIGNMENT_INTERVAL_MS_KEY,
            GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS_KEY, GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS_KEY);

    private ShareBrokerKeys() {
    }

    /** The share-group section of a broker configuration's checked values. */
    static ShareSettings settings(Map<String, Object> values) {
        return new ShareSettings(GROUP_SHARE_RECORD_LOCK_DURATION_MS_KEY.valueIn(values),
                GROUP_SHARE_DELIVERY_COUNT_LIMIT_KEY.valueIn(values),
                GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS_KEY.valueIn(values),
                GROUP_SHARE_SESSION_TIMEOUT_MS_KEY.valueIn(values), GROUP_SHARE_HEARTBEAT_INTERVAL_MS_KEY.valueIn(values),
                GROUP_SHARE_AUTO_OFFSET_RESET_KEY.valueIn(values), GROUP_SHARE_MAX_SHARE_SESSIONS_KEY.valueIn(values),
                GROUP_SHARE_DEAD_LETTER_TOPIC_KEY.valueIn(values), GROUP_SHARE_REDELIVERY_BACKOFF_MS_KEY.valueIn(values),
                GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS_KEY.valueIn(values), GROUP_SHARE_ISOLATION_LEVEL_KEY.valueIn(values),
                true, GROUP_SHARE_ASSIGNMENT_INTERVAL_MS_KEY.valueIn(values), ShareDeadLetterQueue.settings(values),
                new ShareGroupLimits(GROUP_SHARE_MAX_SIZE_KEY.valueIn(values),
                        GROUP_SHARE_MIN_SESSION_TIMEOUT_MS_KEY.valueIn(values),
                        GROUP_SHARE_MAX_SESSION_TIMEOUT_MS_KEY.valueIn(values),
                        GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS_KEY.valueIn(values),
                        GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS_KEY.valueIn(values),
                        GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS_KEY.valueIn(values),
                        GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS_KEY.valueIn(values),
                        GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT_KEY.valueIn(values),
                        GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT_KEY.valueIn(values),
                        GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS_KEY.valueIn(values),
                        GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS_KEY.valueIn(values),
                        GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS_KEY.valueIn(values),
                        GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS_KEY.valueIn(values)));
    }
}
