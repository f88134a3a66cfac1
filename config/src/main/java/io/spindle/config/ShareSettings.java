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
 *                              window (between the oldest record not yet acknowledged and the newest acquired); within
 *                              group.share.min/max.partition.max.record.locks
 * @param sessionTimeoutMs      group.share.session.timeout.ms: a share-group member silent this long is removed and
 *                              its acquired records released
 * @param heartbeatIntervalMs   group.share.heartbeat.interval.ms: the interval members are told to heartbeat at;
 *                              below the session timeout
 * @param autoOffsetReset       group.share.auto.offset.reset: where a share group starts in a partition it has no
 *                              state for (Spindle's broker-wide default of Kafka's group config share.auto.offset.reset)
 * @param maxShareSessions      group.share.max.share.sessions: the most share sessions the broker keeps at once
 * @param deadLetterTopic       group.share.dead.letter.topic (Spindle's): where a rejected record, or one that reached
 *                              the delivery count limit, is copied before it is archived; {@code {topic}} stands for
 *                              its topic; empty: archived only
 * @param redeliveryBackoffMs   group.share.redelivery.backoff.ms (Spindle's): how long a record released or timed out
 *                              after its first delivery waits before it may be acquired again; doubled per later
 *                              delivery; 0 turns the backoff off
 * @param redeliveryBackoffMaxMs group.share.redelivery.backoff.max.ms (Spindle's): the longest of those waits
 * @param isolationLevel        group.share.isolation.level (Spindle's broker-wide default of Kafka's group config
 *                              share.isolation.level): whether share groups deliver records of aborted and open
 *                              transactions
 * @param renewAcknowledgeEnable share.renew.acknowledge.enable (Kafka's group config, no broker setting: true on the
 *                              broker): whether a consumer may extend its acquisition lock with a RENEW acknowledgement
 * @param assignmentIntervalMs  group.share.assignment.interval.ms: the shortest time between two computations of a
 *                              share group's assignment (KIP-1263); 0: at the heartbeat that brings a change
 * @param deadLetterQueue       Kafka's dead-letter queue (KIP-1191): the group's errors.deadletterqueue.* configs and the
 *                              broker's bounds on them; when it names a topic it wins over {@code deadLetterTopic}
 * @param limits                the group.share.min/max.* bounds and group.share.max.size; the session timeout,
 *                              heartbeat interval, lock duration and delivery count limit lie within them, and
 *                              max.share.sessions is at least max.size (as Kafka requires)
 */
public record ShareSettings(int recordLockDurationMs, int deliveryCountLimit, int maxRecordLocks, int sessionTimeoutMs,
                            int heartbeatIntervalMs, ShareAutoOffsetReset autoOffsetReset, int maxShareSessions,
                            String deadLetterTopic, int redeliveryBackoffMs, int redeliveryBackoffMaxMs,
                            ShareIsolationLevel isolationLevel, boolean renewAcknowledgeEnable,
                            int assignmentIntervalMs, ShareDeadLetterQueue deadLetterQueue,
                            ShareGroupLimits limits) {
    /** Group config (Kafka's name): overrides group.share.record.lock.duration.ms for one share group. */
    public static final String SHARE_RECORD_LOCK_DURATION_MS = "share.record.lock.duration.ms";
    /** Group config (Kafka's name): overrides group.share.delivery.count.limit for one share group. */
    public static final String SHARE_DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
    /** Group config (Kafka's name): overrides group.share.session.timeout.ms for one share group's members. */
    public static final String SHARE_SESSION_TIMEOUT_MS = "share.session.timeout.ms";
    /** Group config (Kafka's name): overrides group.share.heartbeat.interval.ms for one share group's members. */
    public static final String SHARE_HEARTBEAT_INTERVAL_MS = "share.heartbeat.interval.ms";
    /** Group config (Kafka's name): overrides group.share.auto.offset.reset for one share group. */
    public static final String SHARE_AUTO_OFFSET_RESET = "share.auto.offset.reset";
    /** Group config (Kafka's name): overrides group.share.partition.max.record.locks for one share group. */
    public static final String SHARE_PARTITION_MAX_RECORD_LOCKS = "share.partition.max.record.locks";
    /** Group config (Kafka's name): overrides group.share.isolation.level for one share group. */
    public static final String SHARE_ISOLATION_LEVEL = "share.isolation.level";
    /** Group config (Kafka's name, without a broker setting): whether RENEW acknowledgements are taken. */
    public static final String SHARE_RENEW_ACKNOWLEDGE_ENABLE = "share.renew.acknowledge.enable";
    /** Group config (Kafka's name): overrides group.share.assignment.interval.ms for one share group. */
    public static final String SHARE_ASSIGNMENT_INTERVAL_MS = "share.assignment.interval.ms";
    /** Group config (Spindle's): overrides group.share.dead.letter.topic for one share group. */
    public static final String DEAD_LETTER_TOPIC = "spindle.share.dead.letter.topic";
    /** Group config (Spindle's): overrides group.share.redelivery.backoff.ms for one share group. */
    public static final String REDELIVERY_BACKOFF_MS = "spindle.share.redelivery.backoff.ms";
    /** Group config (Spindle's): overrides group.share.redelivery.backoff.max.ms for one share group. */
    public static final String REDELIVERY_BACKOFF_MAX_MS = "spindle.share.redelivery.backoff.max.ms";
    /** What {@link #deadLetterTopic} may hold to stand for the dead record's topic. */
    public static final String TOPIC_PLACEHOLDER = "{topic}";

    /** The group configs: the same type and validation as the broker keys whose value they override. */
    private static final Map<String, ConfigKey<?>> GROUP_KEYS = ConfigKey.index(List.of(
            ShareBrokerKeys.GROUP_SHARE_RECORD_LOCK_DURATION_MS_KEY.renamed(SHARE_RECORD_LOCK_DURATION_MS,
                    "How long a consumer of this share group holds the records it acquired, in milliseconds."),
            ShareBrokerKeys.GROUP_SHARE_DELIVERY_COUNT_LIMIT_KEY.renamed(SHARE_DELIVERY_COUNT_LIMIT,
                    "Deliveries after which a released or timed-out record of this share group is archived."),
            ShareBrokerKeys.GROUP_SHARE_SESSION_TIMEOUT_MS_KEY.renamed(SHARE_SESSION_TIMEOUT_MS,
                    "A member of this share group silent this long, in milliseconds, is removed and its acquired "
                            + "records are released."),
            ShareBrokerKeys.GROUP_SHARE_HEARTBEAT_INTERVAL_MS_KEY.renamed(SHARE_HEARTBEAT_INTERVAL_MS,
                    "The heartbeat interval members of this share group are told to use, in milliseconds; below "
                            + "its session timeout."),
            ShareBrokerKeys.GROUP_SHARE_AUTO_OFFSET_RESET_KEY.renamed(SHARE_AUTO_OFFSET_RESET,
                    "Where this share group starts in a partition it has no state for: latest or earliest."),
            ShareBrokerKeys.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS_KEY.renamed(SHARE_PARTITION_MAX_RECORD_LOCKS,
                    "The most records this share group keeps in flight per partition; past it no new records are "
                            + "acquired."),
            ShareBrokerKeys.GROUP_SHARE_ISOLATION_LEVEL_KEY.renamed(SHARE_ISOLATION_LEVEL,
                    "Which records of transactional producers this share group delivers: read_uncommitted (all) or "
                            + "read_committed (committed ones only; records of aborted transactions are archived "
                            + "undelivered)."),
            new ConfigKey<>(SHARE_RENEW_ACKNOWLEDGE_ENABLE, ValueType.bool(), true,
                    "Whether a consumer of this share group may extend the acquisition lock of a record it holds with "
                            + "a RENEW acknowledgement; when false such an acknowledgement gets INVALID_RECORD_STATE."),
            ShareBrokerKeys.GROUP_SHARE_ASSIGNMENT_INTERVAL_MS_KEY.renamed(SHARE_ASSIGNMENT_INTERVAL_MS,
                    "The shortest time between two computations of this share group's assignment, in milliseconds; "
                            + "within group.share.min/max.assignment.interval.ms."),
            ShareBrokerKeys.GROUP_SHARE_DEAD_LETTER_TOPIC_KEY.renamed(DEAD_LETTER_TOPIC,
                    "Where this share group copies a record it rejects or that reaches the delivery count limit, "
                            + "before archiving it; {topic} stands for the record's topic. Empty: archived only."),
            ShareBrokerKeys.GROUP_SHARE_REDELIVERY_BACKOFF_MS_KEY.renamed(REDELIVERY_BACKOFF_MS,
                    "How long a record of this share group released or timed out after its first delivery waits "
                            + "before it is delivered again, in milliseconds; doubled per later delivery. 0: at once."),
            ShareBrokerKeys.GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS_KEY.renamed(REDELIVERY_BACKOFF_MAX_MS,
                    "The longest wait of this share group before a released or timed-out record is delivered again, "
                            + "in milliseconds."),
            ShareDeadLetterQueue.TOPIC_NAME_KEY, ShareDeadLetterQueue.COPY_RECORD_ENABLE_KEY));

    /** @throws ConfigException naming the first setting whose value is not allowed */
    public ShareSettings {
        ShareBrokerKeys.GROUP_SHARE_RECORD_LOCK_DURATION_MS_KEY.check(recordLockDurationMs);
        ShareBrokerKeys.GROUP_SHARE_DELIVERY_COUNT_LIMIT_KEY.check(deliveryCountLimit);
        ShareBrokerKeys.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS_KEY.check(maxRecordLocks);
        ShareBrokerKeys.GROUP_SHARE_SESSION_TIMEOUT_MS_KEY.check(sessionTimeoutMs);
        ShareBrokerKeys.GROUP_SHARE_HEARTBEAT_INTERVAL_MS_KEY.check(heartbeatIntervalMs);
        ShareBrokerKeys.GROUP_SHARE_AUTO_OFFSET_RESET_KEY.check(autoOffsetReset);
        ShareBrokerKeys.GROUP_SHARE_MAX_SHARE_SESSIONS_KEY.check(maxShareSessions);
        ShareBrokerKeys.GROUP_SHARE_DEAD_LETTER_TOPIC_KEY.check(deadLetterTopic);
        ShareBrokerKeys.GROUP_SHARE_REDELIVERY_BACKOFF_MS_KEY.check(redeliveryBackoffMs);
        ShareBrokerKeys.GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS_KEY.check(redeliveryBackoffMaxMs);
        ShareBrokerKeys.GROUP_SHARE_ISOLATION_LEVEL_KEY.check(isolationLevel);
        checkAssignmentInterval(BrokerConfig.GROUP_SHARE_ASSIGNMENT_INTERVAL_MS, assignmentIntervalMs, limits);
        checkSessionAndHeartbeat(BrokerConfig.GROUP_SHARE_SESSION_TIMEOUT_MS, sessionTimeoutMs,
                BrokerConfig.GROUP_SHARE_HEARTBEAT_INTERVAL_MS, heartbeatIntervalMs, limits);
        checkLockAndLimit(BrokerConfig.GROUP_SHARE_RECORD_LOCK_DURATION_MS, recordLockDurationMs,
                BrokerConfig.GROUP_SHARE_DELIVERY_COUNT_LIMIT, deliveryCountLimit, limits);
        checkRecordLocks(BrokerConfig.GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS, maxRecordLocks, limits);
        if (maxShareSessions < limits.maxSize()) {
            throw ConfigException.invalidValue(BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS, "configuration "
                            + ConfigException.quote(BrokerConfig.GROUP_SHARE_MAX_SHARE_SESSIONS),
                    Integer.toString(maxShareSessions), "an integer >= " + limits.maxSize() + " ("
                            + ConfigException.quote(BrokerConfig.GROUP_SHARE_MAX_SIZE) + ")", null);
        }
    }

    /** Settings without a dead-letter topic and without redelivery backoff, within {@link ShareGroupLimits#WIDEST}. */
    public ShareSettings(int recordLockDurationMs, int deliveryCountLimit, int maxRecordLocks, int sessionTimeoutMs,
                         int heartbeatIntervalMs, ShareAutoOffsetReset autoOffsetReset, int maxShareSessions) {
        this(recordLockDurationMs, deliveryCountLimit, maxRecordLocks, sessionTimeoutMs, heartbeatIntervalMs,
                autoOffsetReset, maxShareSessions, "", 0, ShareBrokerKeys.GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS_KEY.defaultValue());
    }

    /** As the canonical constructor, within {@link ShareGroupLimits#WIDEST} (settings built by hand). */
    public ShareSettings(int recordLockDurationMs, int deliveryCountLimit, int maxRecordLocks, int sessionTimeoutMs,
                         int heartbeatIntervalMs, ShareAutoOffsetReset autoOffsetReset, int maxShareSessions,
                         String deadLetterTopic, int redeliveryBackoffMs, int redeliveryBackoffMaxMs) {
        this(recordLockDurationMs, deliveryCountLimit, maxRecordLocks, sessionTimeoutMs, heartbeatIntervalMs,
                autoOffsetReset, maxShareSessions, deadLetterTopic, redeliveryBackoffMs, redeliveryBackoffMaxMs,
                ShareIsolationLevel.READ_UNCOMMITTED, true, 0, ShareDeadLetterQueue.NONE, ShareGroupLimits.WIDEST);
    }

    /**
     * The session timeout and heartbeat interval, named by {@code sessionKey} and {@code heartbeatKey} (broker settings
     * or group configs), each within the limits, and the interval below the timeout (else a member would be removed
     * between two heartbeats it was told to send).
     */
    private static void checkSessionAndHeartbeat(String sessionKey, int sessionMs, String heartbeatKey, int heartbeatMs,
                                                 ShareGroupLimits limits) {
        ShareGroupLimits.within(sessionKey, sessionMs, limits.minSessionTimeoutMs(),
                BrokerConfig.GROUP_SHARE_MIN_SESSION_TIMEOUT_MS, limits.maxSessionTimeoutMs(),
                BrokerConfig.GROUP_SHARE_MAX_SESSION_TIMEOUT_MS);
        ShareGroupLimits.within(heartbeatKey, heartbeatMs, limits.minHeartbeatIntervalMs(),
                BrokerConfig.GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS, limits.maxHeartbeatIntervalMs(),
                BrokerConfig.GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS);
        if (heartbeatMs >= sessionMs) {
            throw ConfigException.invalidValue(heartbeatKey, "configuration " + ConfigException.quote(heartbeatKey),
                    Integer.toString(heartbeatMs), "an integer < " + sessionMs + " ("
                            + ConfigException.quote(sessionKey) + ")", null);
        }
    }

    /** The assignment interval, named by {@code key} (broker setting or group config), within the limits. */
    private static void checkAssignmentInterval(String key, int intervalMs, ShareGroupLimits limits) {
        ShareBrokerKeys.GROUP_SHARE_ASSIGNMENT_INTERVAL_MS_KEY.check(intervalMs);
        ShareGroupLimits.within(key, intervalMs, limits.minAssignmentIntervalMs(),
                BrokerConfig.GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS, limits.maxAssignmentIntervalMs(),
                BrokerConfig.GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS);
    }

    /** The lock duration and delivery count limit, named by {@code lockKey} and {@code limitKey}, within the limits. */
    private static void checkLockAndLimit(String lockKey, int lockMs, String limitKey, int limit, ShareGroupLimits limits) {
        ShareGroupLimits.within(lockKey, lockMs, limits.minRecordLockDurationMs(),
                BrokerConfig.GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS, limits.maxRecordLockDurationMs(),
                BrokerConfig.GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS);
        ShareGroupLimits.within(limitKey, limit, limits.minDeliveryCountLimit(),
                BrokerConfig.GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT, limits.maxDeliveryCountLimit(),
                BrokerConfig.GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT);
    }

    /** The record lock limit, named by {@code key}, within group.share.min/max.partition.max.record.locks. */
    private static void checkRecordLocks(String key, int maxRecordLocks, ShareGroupLimits limits) {
        ShareGroupLimits.within(key, maxRecordLocks, limits.minPartitionMaxRecordLocks(),
                BrokerConfig.GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS, limits.maxPartitionMaxRecordLocks(),
                BrokerConfig.GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS);
    }

    /** Whether a rejected record, or one over the delivery count limit, is dead-lettered before it is archived. */
    public boolean hasDeadLetterTopic() {
        return deadLetterQueue.enabled() || !deadLetterTopic.isEmpty();
    }

    /**
     * The dead-letter topic of a record of {@code topic}, or null when none is set: Kafka's
     * errors.deadletterqueue.topic.name when the group sets one, else Spindle's {@code deadLetterTopic} pattern.
     */
    public String deadLetterTopicFor(String topic) {
        if (deadLetterQueue.enabled()) {
            return deadLetterQueue.topicName();
        }
        return deadLetterTopic.isEmpty() ? null : deadLetterTopic.replace(TOPIC_PLACEHOLDER, topic);
    }

    /**
     * How long a record released or timed out after its {@code deliveryCount}-th delivery waits before it may be
     * acquired again: the backoff doubled per delivery after the first, at most the cap; 0 when backoff is off.
     */
    public long redeliveryDelayMs(int deliveryCount) {
        if (redeliveryBackoffMs == 0 || deliveryCount < 1) {
            return 0;
        }
        long delay = (long) redeliveryBackoffMs << Math.min(deliveryCount - 1, 31);
        return Math.min(delay, redeliveryBackoffMaxMs);
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
        int session = sessionTimeoutMs;
        int heartbeat = heartbeatIntervalMs;
        ShareAutoOffsetReset reset = autoOffsetReset;
        String deadLetters = deadLetterTopic;
        int backoff = redeliveryBackoffMs;
        int backoffMax = redeliveryBackoffMaxMs;
        int locks = maxRecordLocks;
        ShareIsolationLevel isolation = isolationLevel;
        boolean renew = renewAcknowledgeEnable;
        int assignment = assignmentIntervalMs;
        String queueTopic = deadLetterQueue.topicName();
        boolean queueCopy = deadLetterQueue.copyRecord();
        for (Map.Entry<String, String> e : configs.entrySet()) {
            Object value = groupKey(e.getKey()).parse(e.getValue(), "group config");
            switch (e.getKey()) {
                case SHARE_RECORD_LOCK_DURATION_MS -> lock = (Integer) value;
                case SHARE_DELIVERY_COUNT_LIMIT -> limit = (Integer) value;
                case SHARE_SESSION_TIMEOUT_MS -> session = (Integer) value;
                case SHARE_HEARTBEAT_INTERVAL_MS -> heartbeat = (Integer) value;
                case DEAD_LETTER_TOPIC -> deadLetters = (String) value;
                case REDELIVERY_BACKOFF_MS -> backoff = (Integer) value;
                case REDELIVERY_BACKOFF_MAX_MS -> backoffMax = (Integer) value;
                case SHARE_PARTITION_MAX_RECORD_LOCKS -> locks = (Integer) value;
                case SHARE_ISOLATION_LEVEL -> isolation = (ShareIsolationLevel) value;
                case SHARE_RENEW_ACKNOWLEDGE_ENABLE -> renew = (Boolean) value;
                case SHARE_ASSIGNMENT_INTERVAL_MS -> assignment = (Integer) value;
                case ShareDeadLetterQueue.TOPIC_NAME -> queueTopic = (String) value;
                case ShareDeadLetterQueue.COPY_RECORD_ENABLE -> queueCopy = (Boolean) value;
                default -> reset = (ShareAutoOffsetReset) value;
            }
        }
        checkLockAndLimit(SHARE_RECORD_LOCK_DURATION_MS, lock, SHARE_DELIVERY_COUNT_LIMIT, limit, limits);
        checkSessionAndHeartbeat(SHARE_SESSION_TIMEOUT_MS, session, SHARE_HEARTBEAT_INTERVAL_MS, heartbeat, limits);
        checkRecordLocks(SHARE_PARTITION_MAX_RECORD_LOCKS, locks, limits);
        checkAssignmentInterval(SHARE_ASSIGNMENT_INTERVAL_MS, assignment, limits);
        return new ShareSettings(lock, limit, locks, session, heartbeat, reset, maxShareSessions,
                deadLetters, backoff, backoffMax, isolation, renew, assignment,
                deadLetterQueue.withGroup(queueTopic, queueCopy), limits);
    }

    /** The group configs' values in these settings, by name, as text. */
    public Map<String, String> groupConfigValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(SHARE_RECORD_LOCK_DURATION_MS, Integer.toString(recordLockDurationMs));
        values.put(SHARE_DELIVERY_COUNT_LIMIT, Integer.toString(deliveryCountLimit));
        values.put(SHARE_SESSION_TIMEOUT_MS, Integer.toString(sessionTimeoutMs));
        values.put(SHARE_HEARTBEAT_INTERVAL_MS, Integer.toString(heartbeatIntervalMs));
        values.put(SHARE_AUTO_OFFSET_RESET, autoOffsetReset.configName());
        values.put(SHARE_PARTITION_MAX_RECORD_LOCKS, Integer.toString(maxRecordLocks));
        values.put(SHARE_ISOLATION_LEVEL, isolationLevel.configName());
        values.put(SHARE_RENEW_ACKNOWLEDGE_ENABLE, Boolean.toString(renewAcknowledgeEnable));
        values.put(SHARE_ASSIGNMENT_INTERVAL_MS, Integer.toString(assignmentIntervalMs));
        values.put(DEAD_LETTER_TOPIC, deadLetterTopic);
        values.put(REDELIVERY_BACKOFF_MS, Integer.toString(redeliveryBackoffMs));
        values.put(REDELIVERY_BACKOFF_MAX_MS, Integer.toString(redeliveryBackoffMaxMs));
        values.put(ShareDeadLetterQueue.TOPIC_NAME, deadLetterQueue.topicName());
        values.put(ShareDeadLetterQueue.COPY_RECORD_ENABLE, Boolean.toString(deadLetterQueue.copyRecord()));
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
