package io.spindle.config;

import java.util.List;
import java.util.Map;

/**
 * The broker's bounds and defaults for KIP-848 consumer groups that a group may override through its group configs
 * (Kafka's broker setting names and defaults, KIP-848 and KIP-1263): the range each of {@code
 * consumer.session.timeout.ms}, {@code consumer.heartbeat.interval.ms} and {@code consumer.assignment.interval.ms}
 * may take, and the broker-wide assignment interval. The session timeout and heartbeat interval themselves stay with
 * the other {@code group.*} keys on {@link BrokerConfig}.
 */
public final class ConsumerGroupKeys {
    public static final String GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS = "group.consumer.min.session.timeout.ms";
    public static final String GROUP_CONSUMER_MAX_SESSION_TIMEOUT_MS = "group.consumer.max.session.timeout.ms";
    public static final String GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS = "group.consumer.min.heartbeat.interval.ms";
    public static final String GROUP_CONSUMER_MAX_HEARTBEAT_INTERVAL_MS = "group.consumer.max.heartbeat.interval.ms";
    public static final String GROUP_CONSUMER_ASSIGNMENT_INTERVAL_MS = "group.consumer.assignment.interval.ms";
    public static final String GROUP_CONSUMER_MIN_ASSIGNMENT_INTERVAL_MS = "group.consumer.min.assignment.interval.ms";
    public static final String GROUP_CONSUMER_MAX_ASSIGNMENT_INTERVAL_MS = "group.consumer.max.assignment.interval.ms";

    static final ConfigKey<Integer> MIN_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS,
            ValueType.intAtLeast(1), 45_000,
            "The shortest session timeout, in milliseconds, that group.consumer.session.timeout.ms and a consumer "
                    + "group's consumer.session.timeout.ms may set (Kafka's default).");
    static final ConfigKey<Integer> MAX_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(GROUP_CONSUMER_MAX_SESSION_TIMEOUT_MS,
            ValueType.intAtLeast(1), 60_000,
            "The longest session timeout, in milliseconds, that group.consumer.session.timeout.ms and a consumer "
                    + "group's consumer.session.timeout.ms may set (Kafka's default).");
    static final ConfigKey<Integer> MIN_HEARTBEAT_INTERVAL_MS_KEY = new ConfigKey<>(
            GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS, ValueType.intAtLeast(1), 5_000,
            "The shortest heartbeat interval, in milliseconds, that group.consumer.heartbeat.interval.ms and a "
                    + "consumer group's consumer.heartbeat.interval.ms may set (Kafka's default).");
    static final ConfigKey<Integer> MAX_HEARTBEAT_INTERVAL_MS_KEY = new ConfigKey<>(
            GROUP_CONSUMER_MAX_HEARTBEAT_INTERVAL_MS, ValueType.intAtLeast(1), 15_000,
            "The longest heartbeat interval, in milliseconds, that group.consumer.heartbeat.interval.ms and a "
                    + "consumer group's consumer.heartbeat.interval.ms may set (Kafka's default).");
    static final ConfigKey<Integer> ASSIGNMENT_INTERVAL_MS_KEY = new ConfigKey<>(GROUP_CONSUMER_ASSIGNMENT_INTERVAL_MS,
            ValueType.intAtLeast(0), 0,
            "The shortest time between two computations of a consumer group's target assignment, in milliseconds: "
                    + "changes (members joining or leaving, subscriptions, partition counts) that come sooner are "
                    + "assigned together at the first heartbeat after it. Kafka's default is 1000; Spindle's is 0 "
                    + "(every change is assigned at the next heartbeat), since its assignors run in microseconds on "
                    + "the group coordinator thread.");
    static final ConfigKey<Integer> MIN_ASSIGNMENT_INTERVAL_MS_KEY = new ConfigKey<>(
            GROUP_CONSUMER_MIN_ASSIGNMENT_INTERVAL_MS, ValueType.intAtLeast(0), 0,
            "The shortest assignment interval, in milliseconds, that group.consumer.assignment.interval.ms and a "
                    + "consumer group's consumer.assignment.interval.ms may set (Kafka's default).");
    static final ConfigKey<Integer> MAX_ASSIGNMENT_INTERVAL_MS_KEY = new ConfigKey<>(
            GROUP_CONSUMER_MAX_ASSIGNMENT_INTERVAL_MS, ValueType.intAtLeast(0), 15_000,
            "The longest assignment interval, in milliseconds, that group.consumer.assignment.interval.ms and a "
                    + "consumer group's consumer.assignment.interval.ms may set (Kafka's default).");

    static final List<ConfigKey<?>> ALL = List.of(MIN_SESSION_TIMEOUT_MS_KEY, MAX_SESSION_TIMEOUT_MS_KEY,
            MIN_HEARTBEAT_INTERVAL_MS_KEY, MAX_HEARTBEAT_INTERVAL_MS_KEY, ASSIGNMENT_INTERVAL_MS_KEY,
            MIN_ASSIGNMENT_INTERVAL_MS_KEY, MAX_ASSIGNMENT_INTERVAL_MS_KEY);

    private ConsumerGroupKeys() {
    }

    /** The bounds in a broker configuration's checked values. */
    static ConsumerGroupLimits limits(Map<String, Object> values) {
        return new ConsumerGroupLimits(MIN_SESSION_TIMEOUT_MS_KEY.valueIn(values), MAX_SESSION_TIMEOUT_MS_KEY.valueIn(values),
                MIN_HEARTBEAT_INTERVAL_MS_KEY.valueIn(values), MAX_HEARTBEAT_INTERVAL_MS_KEY.valueIn(values),
                MIN_ASSIGNMENT_INTERVAL_MS_KEY.valueIn(values), MAX_ASSIGNMENT_INTERVAL_MS_KEY.valueIn(values));
    }
}
