package io.spindle.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of one topic, under Kafka's topic-level names ({@code retention.ms}, {@code segment.bytes}, ...).
 * A topic's effective config is layered: {@link #defaults()} (or the broker's
 * {@link BrokerConfig#topicDefaults()}) {@link #with with} the topic's own overrides, given as strings exactly as
 * they arrive in CreateTopics/AlterConfigs. Every value is validated on the way in, so an instance only ever
 * holds allowed values.
 *
 * <p>Deviation from Kafka, on purpose: {@code segment.bytes} accepts values down to 14, the minimum of Kafka 3.x
 * (Kafka 4 raised it to 1 MiB), so that tests can roll segments with a handful of small batches.
 *
 * <p>Immutable and thread-safe. Units: milliseconds for {@code *.ms}, bytes for {@code *.bytes}.
 */
public final class TopicConfig {
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    /** Kafka's (KIP-1191): whether share groups may write their dead letters to this topic. */
    public static final String ERRORS_DEADLETTERQUEUE_GROUP_ENABLE = "errors.deadletterqueue.group.enable";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";

    /** The smallest {@code segment.bytes}: a v0 record's overhead, as in Kafka 3.x. */
    public static final int MIN_SEGMENT_BYTES = 14;

    static final ConfigKey<Long> RETENTION_MS_KEY = new ConfigKey<>(RETENTION_MS, ValueType.longAtLeast(-1),
            604_800_000L,
            "How long a segment is kept after its newest record before it may be deleted, in milliseconds "
            + "(cleanup.policy=delete); -1 keeps segments regardless of age.");
    static final ConfigKey<Long> RETENTION_BYTES_KEY = new ConfigKey<>(RETENTION_BYTES, ValueType.longAtLeast(-1),
            -1L,
            "The size a partition may reach before its oldest segments are deleted, in bytes "
            + "(cleanup.policy=delete); -1 means no size limit.");
    static final ConfigKey<Integer> SEGMENT_BYTES_KEY = new ConfigKey<>(SEGMENT_BYTES,
            ValueType.intAtLeast(MIN_SEGMENT_BYTES), 1_073_741_824,
            "The size of one segment file, in bytes; the log rolls to a new segment when the next batch "
            + "would not fit. Retention deletes whole segments, so this is also its granularity.");
    static final ConfigKey<Long> SEGMENT_MS_KEY = new ConfigKey<>(SEGMENT_MS, ValueType.longAtLeast(1),
            604_800_000L,
            "The age after which the active segment is rolled even if not full, in milliseconds, so that "
            + "retention can delete old data from a quiet partition.");
    static final ConfigKey<CleanupPolicy> CLEANUP_POLICY_KEY = new ConfigKey<>(CLEANUP_POLICY,
            CleanupPolicy.valueType(), CleanupPolicy.DELETE,
            "What happens to old segments: 'delete' removes them by age and size (retention.ms, retention.bytes); "
            + "'compact' keeps the latest record per key (and never deletes by age or size); 'compact,delete' does both.");
    static final ConfigKey<Integer> MAX_MESSAGE_BYTES_KEY = new ConfigKey<>(MAX_MESSAGE_BYTES,
            ValueType.intAtLeast(0), 1_048_588,
            "The largest record batch the topic accepts, in bytes (after compression, including the batch "
            + "header); larger batches are refused with MESSAGE_TOO_LARGE.");
    static final ConfigKey<TimestampType> MESSAGE_TIMESTAMP_TYPE_KEY = new ConfigKey<>(MESSAGE_TIMESTAMP_TYPE,
            TimestampType.valueType(), TimestampType.CREATE_TIME,
            "Which timestamp records carry: 'CreateTime' keeps the producer's, 'LogAppendTime' stamps each "
            + "batch with the broker's append time.");
    static final ConfigKey<Integer> INDEX_INTERVAL_BYTES_KEY = new ConfigKey<>(INDEX_INTERVAL_BYTES,
            ValueType.intAtLeast(0), 4096,
            "How many bytes of batches are appended between two entries of the sparse offset and time "
            + "indexes; smaller means larger indexes and shorter scans on read. 0 indexes every batch.");
    static final ConfigKey<Double> MIN_CLEANABLE_DIRTY_RATIO_KEY = new ConfigKey<>(MIN_CLEANABLE_DIRTY_RATIO,
            ValueType.doubleBetween(0, 1), 0.5,
            "A compacted log is cleaned once the bytes appended since its last clean (the dirty part) are at least "
            + "this fraction of the cleanable log (cleanup.policy=compact).");
    static final ConfigKey<Long> MIN_COMPACTION_LAG_MS_KEY = new ConfigKey<>(MIN_COMPACTION_LAG_MS,
            ValueType.longAtLeast(0), 0L,
            "The least time a record stays uncompacted after it is appended, in milliseconds; the cleaner leaves "
            + "younger records (and the segments holding them) alone.");
    static final ConfigKey<Long> MAX_COMPACTION_LAG_MS_KEY = new ConfigKey<>(MAX_COMPACTION_LAG_MS,
            ValueType.longAtLeast(1), Long.MAX_VALUE,
            "The longest time a record may stay uncompacted, in milliseconds: a log holding older dirty records "
            + "is cleaned whatever its dirty ratio.");
    static final ConfigKey<Long> DELETE_RETENTION_MS_KEY = new ConfigKey<>(DELETE_RETENTION_MS,
            ValueType.longAtLeast(0), 86_400_000L,
            "How long a tombstone (a record with a key and a null value) is kept after the clean that first reached "
            + "it, in milliseconds, so that consumers reading from behind still see the deletion.");

    static final ConfigKey<Boolean> ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_KEY = new ConfigKey<>(
            ERRORS_DEADLETTERQUEUE_GROUP_ENABLE, ValueType.bool(), false,
            "Whether share groups naming this topic in errors.deadletterqueue.topic.name may write their dead letters "
            + "to it (Kafka's default false: a topic opts in).");

    static final ConfigKey<Integer> MIN_INSYNC_REPLICAS_KEY = new ConfigKey<>(MIN_INSYNC_REPLICAS,
            ValueType.intAtLeast(1), 1,
            "The fewest in-sync replicas (the leader counted) a partition must have for an acks=all produce to be "
            + "accepted: with fewer, it is refused with NOT_ENOUGH_REPLICAS, and one acknowledged only after the ISR "
            + "shrank below it gets NOT_ENOUGH_REPLICAS_AFTER_APPEND.");

    static final ConfigKey<Boolean> UNCLEAN_LEADER_ELECTION_ENABLE_KEY = new ConfigKey<>(
            UNCLEAN_LEADER_ELECTION_ENABLE, ValueType.bool(), false,
            "Whether a partition none of whose in-sync replicas is alive may be led by a live replica outside the "
            + "in-sync set, losing what only the in-sync replicas held. false (Kafka's default): it stays without a "
            + "leader until an in-sync replica returns.");

    static final Map<String, ConfigKey<?>> KEYS = ConfigKey.index(List.of(
            RETENTION_MS_KEY, RETENTION_BYTES_KEY, SEGMENT_BYTES_KEY, SEGMENT_MS_KEY, CLEANUP_POLICY_KEY,
            MAX_MESSAGE_BYTES_KEY, MESSAGE_TIMESTAMP_TYPE_KEY, INDEX_INTERVAL_BYTES_KEY,
            MIN_CLEANABLE_DIRTY_RATIO_KEY, MIN_COMPACTION_LAG_MS_KEY, MAX_COMPACTION_LAG_MS_KEY,
            DELETE_RETENTION_MS_KEY, ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_KEY, MIN_INSYNC_REPLICAS_KEY,
            UNCLEAN_LEADER_ELECTION_ENABLE_KEY));

    private static final Set<String> NAMES = Collections.unmodifiableSet(new LinkedHashSet<>(KEYS.keySet()));
    private static final TopicConfig DEFAULTS =
            new TopicConfig(new ConfigValues(KEYS, TopicConfig::unknownKeyHint).values());

    /** Every key, validated, in KEYS order; the typed fields below are copies for cheap access on hot paths. */
    private final Map<String, Object> values;
    private final long retentionMs;
    private final long retentionBytes;
    private final int segmentBytes;
    private final long segmentMs;
    private final CleanupPolicy cleanupPolicy;
    private final int maxMessageBytes;
    private final TimestampType timestampType;
    private final int indexIntervalBytes;
    private final double minCleanableDirtyRatio;
    private final long minCompactionLagMs;
    private final long maxCompactionLagMs;
    private final long deleteRetentionMs;
    private final int minInsyncReplicas;
    private final boolean uncleanLeaderElectionEnable;

    /** From values produced by {@link ConfigValues} over {@link #KEYS} (so every key is present and valid). */
    TopicConfig(Map<String, Object> values) {
        this.values = values;
        this.retentionMs = RETENTION_MS_KEY.valueIn(values);
        this.retentionBytes = RETENTION_BYTES_KEY.valueIn(values);
        this.segmentBytes = SEGMENT_BYTES_KEY.valueIn(values);
        this.segmentMs = SEGMENT_MS_KEY.valueIn(values);
        this.cleanupPolicy = CLEANUP_POLICY_KEY.valueIn(values);
        this.maxMessageBytes = MAX_MESSAGE_BYTES_KEY.valueIn(values);
        this.timestampType = MESSAGE_TIMESTAMP_TYPE_KEY.valueIn(values);
        this.indexIntervalBytes = INDEX_INTERVAL_BYTES_KEY.valueIn(values);
        this.minCleanableDirtyRatio = MIN_CLEANABLE_DIRTY_RATIO_KEY.valueIn(values);
        this.minCompactionLagMs = MIN_COMPACTION_LAG_MS_KEY.valueIn(values);
        this.maxCompactionLagMs = MAX_COMPACTION_LAG_MS_KEY.valueIn(values);
        this.deleteRetentionMs = DELETE_RETENTION_MS_KEY.valueIn(values);
        this.minInsyncReplicas = MIN_INSYNC_REPLICAS_KEY.valueIn(values);
        this.uncleanLeaderElectionEnable = UNCLEAN_LEADER_ELECTION_ENABLE_KEY.valueIn(values);
    }

    /** The built-in defaults (Kafka's, see each key's documentation). */
    public static TopicConfig defaults() {
        return DEFAULTS;
    }

    /**
     * This config with {@code overrides} layered on top. Keys are Kafka topic-level names, values strings as
     * received in CreateTopics/AlterConfigs (trimmed before parsing). This instance is unchanged.
     *
     * @throws ConfigException for an unknown key, a null value, or a value the key does not allow; its
     *         {@link ConfigException#key()} names the key
     */
    public TopicConfig with(Map<String, String> overrides) {
        Objects.requireNonNull(overrides, "overrides");
        if (overrides.isEmpty()) {
            return this;
        }
        ConfigValues layered = new ConfigValues(KEYS, values, TopicConfig::unknownKeyHint);
        layered.setAll(overrides, null);
        return new TopicConfig(layered.values());
    }

    public long retentionMs() {
        return retentionMs;
    }

    public long retentionBytes() {
        return retentionBytes;
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    public long segmentMs() {
        return segmentMs;
    }

    public CleanupPolicy cleanupPolicy() {
        return cleanupPolicy;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public TimestampType timestampType() {
        return timestampType;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    /** min.cleanable.dirty.ratio: the dirty fraction of a compacted log at which it is cleaned, in [0, 1]. */
    public double minCleanableDirtyRatio() {
        return minCleanableDirtyRatio;
    }

    /** min.insync.replicas: the fewest in-sync replicas an acks=all produce needs. */
    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    /** unclean.leader.election.enable: whether a replica outside the ISR may lead when no in-sync one is alive. */
    public boolean uncleanLeaderElectionEnable() {
        return uncleanLeaderElectionEnable;
    }

    /** min.compaction.lag.ms: records younger than this are not compacted. */
    public long minCompactionLagMs() {
        return minCompactionLagMs;
    }

    /** max.compaction.lag.ms: a log with dirty records older than this is cleaned whatever its dirty ratio. */
    public long maxCompactionLagMs() {
        return maxCompactionLagMs;
    }

    /** delete.retention.ms: how long a tombstone survives after the clean that first reached it. */
    /** errors.deadletterqueue.group.enable: whether share groups may use this topic as their dead-letter queue. */
    public boolean deadLetterQueueGroupEnable() {
        return ERRORS_DEADLETTERQUEUE_GROUP_ENABLE_KEY.valueIn(values);
    }

    public long deleteRetentionMs() {
        return deleteRetentionMs;
    }

    /** Every topic key to its value as text, in {@link #names()} order; {@code defaults().with(asStringMap())} equals this. */
    public Map<String, String> asStringMap() {
        Map<String, String> text = new LinkedHashMap<>();
        for (ConfigKey<?> key : KEYS.values()) {
            text.put(key.name(), key.format(values.get(key.name())));
        }
        return Collections.unmodifiableMap(text);
    }

    /** Every valid topic-level key, in a stable order. */
    public static Set<String> names() {
        return NAMES;
    }

    /** The documentation of a topic-level key, for DescribeConfigs. @throws ConfigException for an unknown key */
    public static String documentation(String key) {
        ConfigKey<?> definition = KEYS.get(key);
        if (definition == null) {
            throw ConfigException.unknownKey(key, null, key == null ? "" : unknownKeyHint(key));
        }
        return definition.documentation();
    }

    /** The built-in default of a topic-level key, as text. @throws ConfigException for an unknown key */
    public static String defaultValue(String key) {
        documentation(key);     // refuses an unknown key
        return DEFAULTS.asStringMap().get(key);
    }

    /** Points a broker-level name used at topic level ("log.retention.ms") to the topic-level one. */
    private static String unknownKeyHint(String name) {
        String topicKey = BrokerConfig.topicKeyFor(name);
        return topicKey == null ? ""
                : "; " + ConfigException.quote(name) + " is the broker-wide default, the topic-level name is "
                  + ConfigException.quote(topicKey);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicConfig && values.equals(((TopicConfig) other).values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "TopicConfig" + asStringMap();
    }
}
