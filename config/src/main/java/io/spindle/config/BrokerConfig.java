package io.spindle.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The broker's settings, resolved from its sources in rising precedence:
 * built-in defaults &lt; properties file &lt; environment ({@code SPINDLE_*}) &lt; overrides (command line).
 * Each setting of every source is validated, so a bad value is refused even when a higher source replaces it;
 * an unknown key in any source is refused. {@link #source(String)} tells where each effective value came from.
 *
 * <p>Besides its own keys the broker holds broker-wide defaults of the topic settings under Kafka's broker
 * names ({@code log.retention.ms} feeds {@code retention.ms}, ...; see {@link #brokerSynonym(String)}), with
 * the same type, default and validation as the topic key; {@link #topicDefaults()} is built from them.
 *
 * <p>Environment variables: {@code SPINDLE_LOG_RETENTION_MS} sets {@code log.retention.ms} (strip the prefix,
 * lower-case, '_' to '.'). Variables without the prefix are ignored; a prefixed variable that names no key is
 * an error, so a typo cannot pass silently. A launcher's own variables must therefore not use the prefix.
 *
 * <p>Each module takes its own section, built and validated once here: {@link #storage()} (log-storage),
 * {@link #groups()} (consumer-groups), {@link #transactions()} (transactions), {@link #listener()} (the network
 * listener), {@link #cluster()} (the metadata quorum, only with {@code controller.quorum.voters}). A rule between two settings
 * of a section (the group heartbeat interval below the session timeout, ...) is checked when the configuration
 * is loaded, and its error names the setting and its source like any other bad value.
 *
 * <p>The properties file is read as UTF-8, in {@link Properties} syntax. Immutable and thread-safe.
 */
public final class BrokerConfig {
    public static final String DATA_DIR = "data.dir";
    public static final String LISTENER_HOST = "listener.host";
    public static final String LISTENER_PORT = "listener.port";
    public static final String ADVERTISED_HOST = "advertised.host";
    public static final String ADVERTISED_PORT = "advertised.port";
    public static final String NODE_ID = "node.id";
    public static final String BROKER_RACK = "broker.rack";
    public static final String FLUSH_MODE = "flush.mode";
    public static final String FLUSH_INTERVAL_MS = "flush.interval.ms";
    public static final String FLUSH_INTERVAL_MESSAGES = "flush.interval.messages";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String METRICS_PORT = "metrics.port";
    public static final String METRICS_HOST = "metrics.host";
    public static final String METRICS_PARTITION_SERIES_MAX = "metrics.partition.series.max";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_CONSUMER_SESSION_TIMEOUT_MS = "group.consumer.session.timeout.ms";
    public static final String GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String GROUP_SHARE_RECORD_LOCK_DURATION_MS = "group.share.record.lock.duration.ms";
    public static final String GROUP_SHARE_DELIVERY_COUNT_LIMIT = "group.share.delivery.count.limit";
    public static final String GROUP_SHARE_PARTITION_MAX_RECORD_LOCKS = "group.share.partition.max.record.locks";
    public static final String GROUP_SHARE_SESSION_TIMEOUT_MS = "group.share.session.timeout.ms";
    public static final String GROUP_SHARE_HEARTBEAT_INTERVAL_MS = "group.share.heartbeat.interval.ms";
    public static final String GROUP_SHARE_AUTO_OFFSET_RESET = "group.share.auto.offset.reset";
    public static final String GROUP_SHARE_ISOLATION_LEVEL = "group.share.isolation.level";
    public static final String GROUP_SHARE_MAX_SHARE_SESSIONS = "group.share.max.share.sessions";
    public static final String GROUP_SHARE_DEAD_LETTER_TOPIC = "group.share.dead.letter.topic";
    public static final String GROUP_SHARE_REDELIVERY_BACKOFF_MS = "group.share.redelivery.backoff.ms";
    public static final String GROUP_SHARE_REDELIVERY_BACKOFF_MAX_MS = "group.share.redelivery.backoff.max.ms";
    public static final String GROUP_SHARE_MAX_SIZE = "group.share.max.size";
    public static final String GROUP_SHARE_MIN_SESSION_TIMEOUT_MS = "group.share.min.session.timeout.ms";
    public static final String GROUP_SHARE_MAX_SESSION_TIMEOUT_MS = "group.share.max.session.timeout.ms";
    public static final String GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS = "group.share.min.heartbeat.interval.ms";
    public static final String GROUP_SHARE_MAX_HEARTBEAT_INTERVAL_MS = "group.share.max.heartbeat.interval.ms";
    public static final String GROUP_SHARE_MIN_RECORD_LOCK_DURATION_MS = "group.share.min.record.lock.duration.ms";
    public static final String GROUP_SHARE_MAX_RECORD_LOCK_DURATION_MS = "group.share.max.record.lock.duration.ms";
    public static final String GROUP_SHARE_MIN_DELIVERY_COUNT_LIMIT = "group.share.min.delivery.count.limit";
    public static final String GROUP_SHARE_MAX_DELIVERY_COUNT_LIMIT = "group.share.max.delivery.count.limit";
    public static final String GROUP_SHARE_MIN_PARTITION_MAX_RECORD_LOCKS = "group.share.min.partition.max.record.locks";
    public static final String GROUP_SHARE_MAX_PARTITION_MAX_RECORD_LOCKS = "group.share.max.partition.max.record.locks";
    public static final String GROUP_SHARE_ASSIGNMENT_INTERVAL_MS = "group.share.assignment.interval.ms";
    public static final String GROUP_SHARE_MIN_ASSIGNMENT_INTERVAL_MS = "group.share.min.assignment.interval.ms";
    public static final String GROUP_SHARE_MAX_ASSIGNMENT_INTERVAL_MS = "group.share.max.assignment.interval.ms";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_SNAPSHOT_MIN_BYTES = "offsets.snapshot.min.bytes";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = "producer.id.expiration.check.interval.ms";
    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS =
            "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TRANSACTION_STATE_LOG_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TRANSACTION_VERSION = "transaction.version";
    // Broker-wide defaults of topic settings, under Kafka's broker names.
    public static final String LOG_RETENTION_MS = "log.retention.ms";
    public static final String LOG_RETENTION_BYTES = "log.retention.bytes";
    public static final String LOG_SEGMENT_BYTES = "log.segment.bytes";
    public static final String LOG_ROLL_MS = "log.roll.ms";
    public static final String LOG_CLEANUP_POLICY = "log.cleanup.policy";
    public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
    public static final String LOG_MESSAGE_TIMESTAMP_TYPE = "log.message.timestamp.type";
    public static final String LOG_INDEX_INTERVAL_BYTES = "log.index.interval.bytes";
    public static final String LOG_CLEANER_MIN_CLEANABLE_RATIO = "log.cleaner.min.cleanable.ratio";
    public static final String LOG_CLEANER_MIN_COMPACTION_LAG_MS = "log.cleaner.min.compaction.lag.ms";
    public static final String LOG_CLEANER_MAX_COMPACTION_LAG_MS = "log.cleaner.max.compaction.lag.ms";
    public static final String LOG_CLEANER_DELETE_RETENTION_MS = "log.cleaner.delete.retention.ms";
    // The log cleaner itself (compaction), under Kafka's names.
    public static final String LOG_CLEANER_THREADS = "log.cleaner.threads";
    public static final String LOG_CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String LOG_CLEANER_IO_MAX_BYTES_PER_SECOND = "log.cleaner.io.max.bytes.per.second";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";

    /** Environment variables with this prefix are configuration. */
    public static final String ENVIRONMENT_PREFIX = "SPINDLE_";

    static final String OVERRIDE_SOURCE = "override";

    static final ConfigKey<Path> DATA_DIR_KEY = new ConfigKey<>(DATA_DIR, ValueType.path(), Path.of("./data"),
            "The directory holding one subdirectory per topic partition; created if missing.");
    static final ConfigKey<String> LISTENER_HOST_KEY = new ConfigKey<>(LISTENER_HOST, ValueType.host(false),
            "127.0.0.1", "The address the Kafka protocol listener binds to; 0.0.0.0 for every interface.");
    static final ConfigKey<Integer> LISTENER_PORT_KEY = new ConfigKey<>(LISTENER_PORT,
            ValueType.intBetween(0, 65535), 9092,
            "The TCP port of the Kafka protocol listener; 0 picks a free port.");
    static final ConfigKey<String> ADVERTISED_HOST_KEY = new ConfigKey<>(ADVERTISED_HOST, ValueType.host(true),
            "", "The host clients are told to connect to (in Metadata); empty means listener.host.");
    static final ConfigKey<Integer> ADVERTISED_PORT_KEY = new ConfigKey<>(ADVERTISED_PORT,
            ValueType.intBetweenOr(-1, 1, 65535), -1,
            "The port clients are told to connect to (in Metadata); -1 means the port the listener bound.");
    static final ConfigKey<Integer> NODE_ID_KEY = new ConfigKey<>(NODE_ID, ValueType.intAtLeast(0), 0,
            "This broker's id, reported to clients as the leader of its partitions.");
    static final ConfigKey<FlushMode> FLUSH_MODE_KEY = new ConfigKey<>(FLUSH_MODE, FlushMode.valueType(),
            FlushMode.FSYNC,
            "When appends are forced to disk: 'fsync' before acks=all is answered (group commit), 'interval' "
            + "every flush.interval.ms or flush.interval.messages, 'none' left to the operating system.");
    static final ConfigKey<Long> FLUSH_INTERVAL_MS_KEY = new ConfigKey<>(FLUSH_INTERVAL_MS,
            ValueType.longAtLeast(1), 1000L,
            "With flush.mode=interval, the longest time appended data stays unforced, in milliseconds.");
    static final ConfigKey<Long> FLUSH_INTERVAL_MESSAGES_KEY = new ConfigKey<>(FLUSH_INTERVAL_MESSAGES,
            ValueType.longAtLeast(1), 10_000L,
            "With flush.mode=interval, the most records a partition appends before it is forced to disk.");
    static final ConfigKey<Integer> NUM_PARTITIONS_KEY = new ConfigKey<>(NUM_PARTITIONS, ValueType.intAtLeast(1),
            1, "The number of partitions of an automatically created topic, and of CreateTopics with -1.");
    static final ConfigKey<Boolean> AUTO_CREATE_TOPICS_ENABLE_KEY = new ConfigKey<>(AUTO_CREATE_TOPICS_ENABLE,
            ValueType.bool(), Boolean.TRUE,
            "Whether a Metadata request for an unknown topic creates it (if the client allows).");
    static final ConfigKey<Integer> SOCKET_REQUEST_MAX_BYTES_KEY = new ConfigKey<>(SOCKET_REQUEST_MAX_BYTES,
            ValueType.intAtLeast(1024), 104_857_600,
            "The largest request frame the broker reads, in bytes; a larger frame closes the connection.");
    static final ConfigKey<Integer> METRICS_PORT_KEY = new ConfigKey<>(METRICS_PORT,
            ValueType.intBetween(-1, 65535), 9404,
            "The TCP port of the HTTP listener serving /metrics and /health; 0 picks a free port, -1 disables it.");
    static final ConfigKey<String> METRICS_HOST_KEY = new ConfigKey<>(METRICS_HOST, ValueType.host(false),
            "127.0.0.1", "The address the HTTP metrics listener binds to.");
    static final ConfigKey<Integer> METRICS_PARTITION_SERIES_MAX_KEY = new ConfigKey<>(METRICS_PARTITION_SERIES_MAX,
            ValueType.intAtLeast(0), 10_000,
            "At most this many topic-partitions get their own meters; partitions past the cap are counted only in totals.");
    static final ConfigKey<Integer> GROUP_MIN_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(GROUP_MIN_SESSION_TIMEOUT_MS,
            ValueType.intAtLeast(1), 6_000,
            "The shortest session timeout a classic-protocol consumer may ask for, in milliseconds.");
    static final ConfigKey<Integer> GROUP_MAX_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(GROUP_MAX_SESSION_TIMEOUT_MS,
            ValueType.intAtLeast(1), 1_800_000,
            "The longest session timeout a classic-protocol consumer may ask for, in milliseconds; at least "
                    + "group.min.session.timeout.ms.");
    static final ConfigKey<Integer> GROUP_INITIAL_REBALANCE_DELAY_MS_KEY = new ConfigKey<>(
            GROUP_INITIAL_REBALANCE_DELAY_MS, ValueType.intAtLeast(0), 0,
            "How long the first rebalance of an empty classic group waits for more members, in milliseconds "
                    + "(Kafka's default is 3000; a single broker has no start-up storm to gather, so 0).");
    static final ConfigKey<Integer> GROUP_CONSUMER_SESSION_TIMEOUT_MS_KEY = new ConfigKey<>(
            GROUP_CONSUMER_SESSION_TIMEOUT_MS, ValueType.intAtLeast(1), 45_000,
            "A consumer-protocol (KIP-848) member silent this long, in milliseconds, is removed from its group; within "
                    + "group.consumer.min/max.session.timeout.ms. A group may set its own (consumer.session.timeout.ms).");
    static final ConfigKey<Integer> GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS_KEY = new ConfigKey<>(
            GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, ValueType.intAtLeast(1), 5_000,
            "The heartbeat interval consumer-protocol (KIP-848) members are told to use, in milliseconds; below "
                    + "group.consumer.session.timeout.ms and within group.consumer.min/max.heartbeat.interval.ms.");
    static final ConfigKey<Integer> OFFSETS_TOPIC_SEGMENT_BYTES_KEY = new ConfigKey<>(OFFSETS_TOPIC_SEGMENT_BYTES,
            ValueType.intAtLeast(1024), 4 * 1024 * 1024,
            "segment.bytes of the internal __consumer_offsets topic.");
    static final ConfigKey<Long> OFFSETS_SNAPSHOT_MIN_BYTES_KEY = new ConfigKey<>(OFFSETS_SNAPSHOT_MIN_BYTES,
            ValueType.longAtLeast(1), 8L * 1024 * 1024,
            "No longer used: __consumer_offsets and __share_group_state are kept bounded by compaction, not by "
                    + "snapshots. Accepted (and checked) so that configuration files that set it still load.");
    static final ConfigKey<Long> LOG_RETENTION_CHECK_INTERVAL_MS_KEY = new ConfigKey<>(
            LOG_RETENTION_CHECK_INTERVAL_MS, ValueType.longAtLeast(1), 300_000L,
            "How often retention looks for segments to delete, in milliseconds.");
    static final ConfigKey<Integer> PRODUCER_ID_EXPIRATION_MS_KEY = new ConfigKey<>(PRODUCER_ID_EXPIRATION_MS,
            ValueType.intAtLeast(1), 86_400_000,
            "A producer whose last batch (or transaction marker) in a partition has a timestamp older than this, in "
                    + "milliseconds, by the broker's clock, and that has no transaction open there, is forgotten by that "
                    + "partition: DescribeProducers no longer lists it and its next batch may start any sequence.");
    static final ConfigKey<Integer> PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_KEY = new ConfigKey<>(
            PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, ValueType.intAtLeast(1), 600_000,
            "How often the partitions look for producers idle past producer.id.expiration.ms, in milliseconds.");
    static final ConfigKey<Integer> TRANSACTION_MAX_TIMEOUT_MS_KEY = new ConfigKey<>(TRANSACTION_MAX_TIMEOUT_MS,
            ValueType.intAtLeast(1), 900_000,
            "The longest transaction.timeout.ms a transactional producer may ask for, in milliseconds; a longer one "
                    + "is refused with INVALID_TRANSACTION_TIMEOUT.");
    static final ConfigKey<Integer> TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS_KEY = new ConfigKey<>(
            TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, ValueType.intAtLeast(1), 10_000,
            "How often the transaction coordinator looks for transactions open longer than their timeout and aborts "
                    + "them, in milliseconds.");
    static final ConfigKey<Integer> TRANSACTIONAL_ID_EXPIRATION_MS_KEY = new ConfigKey<>(TRANSACTIONAL_ID_EXPIRATION_MS,
            ValueType.intAtLeast(1), 604_800_000,
            "A transactional id with no transaction open and no request for this long, in milliseconds, is forgotten.");
    static final ConfigKey<Integer> TRANSACTION_STATE_LOG_SEGMENT_BYTES_KEY = new ConfigKey<>(
            TRANSACTION_STATE_LOG_SEGMENT_BYTES, ValueType.intAtLeast(1024), 4 * 1024 * 1024,
            "segment.bytes of the internal __transaction_state topic.");
    static final ConfigKey<Integer> TRANSACTION_VERSION_KEY = new ConfigKey<>(TRANSACTION_VERSION,
            ValueType.intBetween(0, 2), 2,
            "The transaction version (Kafka's finalized feature level of transaction.version, KIP-890) that ApiVersions "
                    + "offers clients: 2 lets kafka-clients 4.x bump the epoch at every transaction and add partitions "
                    + "by producing; 0 or 1 keep every client on transaction version 1.");
    static final ConfigKey<Integer> LOG_CLEANER_THREADS_KEY = new ConfigKey<>(LOG_CLEANER_THREADS,
            ValueType.intAtLeast(0), 1,
            "The number of background threads compacting logs (cleanup.policy=compact); 0 turns compaction off.");
    static final ConfigKey<Long> LOG_CLEANER_DEDUPE_BUFFER_SIZE_KEY = new ConfigKey<>(LOG_CLEANER_DEDUPE_BUFFER_SIZE,
            ValueType.longAtLeast(1024), 32L * 1024 * 1024,
            "The memory of the cleaners' key maps, in bytes, shared out among log.cleaner.threads (24 bytes per "
            + "table slot and 8 per key, about 35 bytes per key when full, at most 2 GiB per thread); a log with more "
            + "dirty keys than fit is cleaned in several passes. Kafka's default is 128 MiB; Spindle's is 32 MiB "
            + "(about 0.97 million keys per pass), so that a small broker is not charged for it.");
    static final ConfigKey<Double> LOG_CLEANER_IO_MAX_BYTES_PER_SECOND_KEY = new ConfigKey<>(
            LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, ValueType.doubleBetween(1, Double.MAX_VALUE), Double.MAX_VALUE,
            "The most bytes per second the cleaners read and write together; the default means no limit.");
    static final ConfigKey<Long> LOG_CLEANER_BACKOFF_MS_KEY = new ConfigKey<>(LOG_CLEANER_BACKOFF_MS,
            ValueType.longAtLeast(0), 15_000L,
            "How long a cleaner thread waits before looking again when no log needs cleaning, in milliseconds.");

    /** Broker key -> the topic key whose broker-wide default it holds (Kafka's config synonyms). */
    private static final Map<String, String> TOPIC_KEY_BY_BROKER_KEY = synonyms(
            LOG_RETENTION_MS, TopicConfig.RETENTION_MS,
            LOG_RETENTION_BYTES, TopicConfig.RETENTION_BYTES,
            LOG_SEGMENT_BYTES, TopicConfig.SEGMENT_BYTES,
            LOG_ROLL_MS, TopicConfig.SEGMENT_MS,
            LOG_CLEANUP_POLICY, TopicConfig.CLEANUP_POLICY,
            MESSAGE_MAX_BYTES, TopicConfig.MAX_MESSAGE_BYTES,
            LOG_MESSAGE_TIMESTAMP_TYPE, TopicConfig.MESSAGE_TIMESTAMP_TYPE,
            LOG_INDEX_INTERVAL_BYTES, TopicConfig.INDEX_INTERVAL_BYTES,
            LOG_CLEANER_MIN_CLEANABLE_RATIO, TopicConfig.MIN_CLEANABLE_DIRTY_RATIO,
            LOG_CLEANER_MIN_COMPACTION_LAG_MS, TopicConfig.MIN_COMPACTION_LAG_MS,
            LOG_CLEANER_MAX_COMPACTION_LAG_MS, TopicConfig.MAX_COMPACTION_LAG_MS,
            LOG_CLEANER_DELETE_RETENTION_MS, TopicConfig.DELETE_RETENTION_MS,
            TopicConfig.MIN_INSYNC_REPLICAS, TopicConfig.MIN_INSYNC_REPLICAS,
            TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE, TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE);

    static final Map<String, ConfigKey<?>> KEYS = ConfigKey.index(allKeys());

    private static final Set<String> NAMES = Collections.unmodifiableSet(new LinkedHashSet<>(KEYS.keySet()));

    private final Map<String, Object> values;
    private final Map<String, String> sources;
    private final StorageSettings storage;
    private final GroupSettings groups;
    private final ShareSettings shares;
    private final TransactionSettings transactions;
    private final ListenerSettings listener;
    private final String advertisedHost;
    private final int advertisedPort;
    private final int nodeId;
    private final Optional<ClusterSettings> cluster;
    private final Optional<String> rack;
    private final int numPartitions;
    private final boolean autoCreateTopicsEnable;
    private final int metricsPort;
    private final String metricsHost;
    private final int metricsPartitionSeriesMax;
    private final TopicConfig topicDefaults;

    private BrokerConfig(ConfigValues resolved) {
        this.values = resolved.values();
        this.sources = resolved.sources();
        this.storage = section(() -> new StorageSettings(DATA_DIR_KEY.valueIn(values), FLUSH_MODE_KEY.valueIn(values),
                FLUSH_INTERVAL_MS_KEY.valueIn(values), FLUSH_INTERVAL_MESSAGES_KEY.valueIn(values),
                LOG_RETENTION_CHECK_INTERVAL_MS_KEY.valueIn(values),
                new CleanerSettings(LOG_CLEANER_THREADS_KEY.valueIn(values),
                        LOG_CLEANER_DEDUPE_BUFFER_SIZE_KEY.valueIn(values),
                        LOG_CLEANER_IO_MAX_BYTES_PER_SECOND_KEY.valueIn(values),
                        LOG_CLEANER_BACKOFF_MS_KEY.valueIn(values)),
                new ProducerStateSettings(PRODUCER_ID_EXPIRATION_MS_KEY.valueIn(values),
                        PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_KEY.valueIn(values))));
        this.groups = section(() -> new GroupSettings(GROUP_MIN_SESSION_TIMEOUT_MS_KEY.valueIn(values),
                GROUP_MAX_SESSION_TIMEOUT_MS_KEY.valueIn(values), GROUP_INITIAL_REBALANCE_DELAY_MS_KEY.valueIn(values),
                GROUP_CONSUMER_SESSION_TIMEOUT_MS_KEY.valueIn(values),
                GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS_KEY.valueIn(values), OFFSETS_TOPIC_SEGMENT_BYTES_KEY.valueIn(values),
                OFFSETS_SNAPSHOT_MIN_BYTES_KEY.valueIn(values), ConsumerGroupKeys.ASSIGNMENT_INTERVAL_MS_KEY.valueIn(values),
                ConsumerGroupKeys.limits(values)));
        this.shares = section(() -> ShareBrokerKeys.settings(values));
        this.transactions = section(() -> new TransactionSettings(TRANSACTION_MAX_TIMEOUT_MS_KEY.valueIn(values),
                TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS_KEY.valueIn(values),
                TRANSACTIONAL_ID_EXPIRATION_MS_KEY.valueIn(values), TRANSACTION_STATE_LOG_SEGMENT_BYTES_KEY.valueIn(values),
                TRANSACTION_VERSION_KEY.valueIn(values)));
        this.listener = section(() -> ListenerSettings.forAddress(LISTENER_HOST_KEY.valueIn(values),
                LISTENER_PORT_KEY.valueIn(values), SOCKET_REQUEST_MAX_BYTES_KEY.valueIn(values)));
        String advertised = ADVERTISED_HOST_KEY.valueIn(values);
        this.advertisedHost = advertised.isEmpty() ? listener.host() : advertised;
        this.advertisedPort = ADVERTISED_PORT_KEY.valueIn(values);
        this.nodeId = NODE_ID_KEY.valueIn(values);
        this.cluster = section(() -> ClusterBrokerKeys.settings(values, nodeId));
        this.rack = ClusterBrokerKeys.rack(values);
        this.numPartitions = NUM_PARTITIONS_KEY.valueIn(values);
        this.autoCreateTopicsEnable = AUTO_CREATE_TOPICS_ENABLE_KEY.valueIn(values);
        this.metricsPort = METRICS_PORT_KEY.valueIn(values);
        this.metricsHost = METRICS_HOST_KEY.valueIn(values);
        this.metricsPartitionSeriesMax = METRICS_PARTITION_SERIES_MAX_KEY.valueIn(values);
        Map<String, Object> topicValues = new LinkedHashMap<>();
        TOPIC_KEY_BY_BROKER_KEY.forEach((brokerKey, topicKey) -> topicValues.put(topicKey, values.get(brokerKey)));
        // A topic key without a broker-wide synonym (errors.deadletterqueue.group.enable) keeps its built-in default.
        TopicConfig.KEYS.values().forEach(key -> topicValues.putIfAbsent(key.name(), key.defaultValue()));
        this.topicDefaults = new TopicConfig(Collections.unmodifiableMap(topicValues));
    }

    /**
     * Builds a settings section from values each key has already allowed. What can still fail is a rule between
     * two settings (e.g. the heartbeat interval must be below the session timeout); its message gains the source
     * of the setting it names, as any other bad value's does.
     */
    private <T> T section(Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigException e) {
            throw new ConfigException(e.key(), e.getMessage() + ConfigException.from(sources.get(e.key())), e);
        }
    }

    /** The built-in defaults. */
    public static BrokerConfig defaults() {
        return of(Map.of());
    }

    /**
     * Resolves the broker's configuration from its sources, each overriding the ones before it.
     *
     * @param propertiesFile a properties file (UTF-8), or null for none
     * @param environment    the process environment (e.g. {@code System.getenv()}); only {@code SPINDLE_*}
     *                       variables are read. May be null.
     * @param overrides      settings from the command line ({@code --set key=value} and flags); may be null
     * @throws ConfigException for an unreadable file (naming the path), an unknown key (naming it and its
     *                         source), or a bad value (naming key, value, what is allowed and source)
     */
    public static BrokerConfig load(Path propertiesFile, Map<String, String> environment,
                                    Map<String, String> overrides) {
        ConfigValues resolved = new ConfigValues(KEYS, BrokerConfig::unknownKeyHint);
        if (propertiesFile != null) {
            resolved.setAll(readProperties(propertiesFile), "file " + propertiesFile);
        }
        if (environment != null) {
            Map<String, String> variables = new TreeMap<>();    // sorted: the first error reported is stable
            environment.forEach((name, value) -> {
                if (name != null && name.startsWith(ENVIRONMENT_PREFIX)) {
                    variables.put(name, value);
                }
            });
            variables.forEach((name, value) -> resolved.set(keyForEnvironmentVariable(name), value,
                    "environment " + name));
        }
        if (overrides != null) {
            resolved.setAll(overrides, OVERRIDE_SOURCE);
        }
        return new BrokerConfig(resolved);
    }

    /** The defaults with {@code overrides} on top; no file, no environment. Handy for tests and embedding. */
    public static BrokerConfig of(Map<String, String> overrides) {
        return load(null, null, Objects.requireNonNull(overrides, "overrides"));
    }

    /**
     * What the log storage takes: data directory, flush policy, retention check interval, the log cleaner, the expiry
     * of idle producers.
     */
    public StorageSettings storage() {
        return storage;
    }

    /** What the group coordinator takes: the group.* and offsets.* settings. */
    public GroupSettings groups() {
        return groups;
    }

    /** What the share-group coordinator takes: the group.share.* settings. */
    public ShareSettings shares() {
        return shares;
    }

    /** What the transaction coordinator takes: the transaction.* settings. */
    public TransactionSettings transactions() {
        return transactions;
    }

    /** What the Kafka protocol listener takes: its address, threads and limits. */
    public ListenerSettings listener() {
        return listener;
    }

    /** {@code storage().dataDir()}. */
    public Path dataDir() {
        return storage.dataDir();
    }

    /** {@code listener().host()}. */
    public String listenerHost() {
        return listener.host();
    }

    /** {@code listener().port()}: 0 means "pick a free port"; the bound port is known only to the listener. */
    public int listenerPort() {
        return listener.port();
    }

    /** The host advertised to clients: {@code advertised.host}, or {@link #listenerHost()} when that is empty. */
    public String advertisedHost() {
        return advertisedHost;
    }

    /** The port advertised to clients, or -1 when unset (advertise the port the listener bound). */
    public int advertisedPort() {
        return advertisedPort;
    }

    public int nodeId() {
        return nodeId;
    }

    /**
     * The metadata quorum this broker is a member of ({@code controller.quorum.voters} and the {@code broker.*}
     * session keys, with {@link #nodeId()}), or empty for a single broker: the default, which starts no quorum.
     */
    public Optional<ClusterSettings> cluster() {
        return cluster;
    }

    /** {@code broker.rack}, empty when unset. */
    public Optional<String> rack() {
        return rack;
    }

    /** {@code storage().flushMode()}. */
    public FlushMode flushMode() {
        return storage.flushMode();
    }

    /** {@code storage().flushIntervalMs()}. */
    public long flushIntervalMs() {
        return storage.flushIntervalMs();
    }

    /** {@code storage().flushIntervalMessages()}. */
    public long flushIntervalMessages() {
        return storage.flushIntervalMessages();
    }

    /** default.replication.factor: the replicas of a topic created without one (auto-created ones too). */
    public int defaultReplicationFactor() {
        return ClusterBrokerKeys.DEFAULT_REPLICATION_FACTOR_KEY.valueIn(values);
    }

    /** replica.lag.time.max.ms: a follower not caught up with its leader for this long leaves the ISR. */
    public long replicaLagTimeMaxMs() {
        return ClusterBrokerKeys.REPLICA_LAG_TIME_MAX_MS_KEY.valueIn(values);
    }

    /**
     * offsets.topic.replication.factor, transaction.state.log.replication.factor and .min.isr,
     * share.coordinator.state.topic.replication.factor and .min.isr: how a cluster creates its coordinators' topics.
     */
    public StateTopicReplication stateTopicReplication() {
        return ClusterBrokerKeys.stateTopics(values, topicDefaults.minInsyncReplicas());
    }

    public int numPartitions() {
        return numPartitions;
    }

    public boolean autoCreateTopicsEnable() {
        return autoCreateTopicsEnable;
    }

    /** {@code listener().maxRequestBytes()}. */
    public int socketRequestMaxBytes() {
        return listener.maxRequestBytes();
    }

    /** -1 means the metrics listener is disabled, 0 "pick a free port". */
    public int metricsPort() {
        return metricsPort;
    }

    public String metricsHost() {
        return metricsHost;
    }

    /** The cap on topic-partitions with their own meters. */
    public int metricsPartitionSeriesMax() {
        return metricsPartitionSeriesMax;
    }

    /** {@code storage().retentionCheckIntervalMs()}. */
    public long logRetentionCheckIntervalMs() {
        return storage.retentionCheckIntervalMs();
    }

    /** The settings of a topic that overrides nothing, built from the {@code log.*} broker keys. */
    public TopicConfig topicDefaults() {
        return topicDefaults;
    }

    /**
     * Every broker key to its effective value as text, in {@link #names()} order. {@code advertised.host}
     * shows the resolved host, as {@link #advertisedHost()} does.
     */
    public Map<String, String> asStringMap() {
        Map<String, String> text = new LinkedHashMap<>();
        for (ConfigKey<?> key : KEYS.values()) {
            text.put(key.name(), key.format(values.get(key.name())));
        }
        text.put(ADVERTISED_HOST, advertisedHost);
        return Collections.unmodifiableMap(text);
    }

    /**
     * Where the effective value of {@code key} came from: "default", "file &lt;path&gt;",
     * "environment SPINDLE_X" or "override".
     *
     * @throws ConfigException for an unknown key
     */
    public String source(String key) {
        String source = sources.get(key);
        if (source == null) {
            throw ConfigException.unknownKey(key, null, key == null ? "" : unknownKeyHint(key));
        }
        return source;
    }

    /** Every valid broker key, in a stable order. */
    public static Set<String> names() {
        return NAMES;
    }

    /** The documentation of a broker key. @throws ConfigException for an unknown key */
    public static String documentation(String key) {
        ConfigKey<?> definition = KEYS.get(key);
        if (definition == null) {
            throw ConfigException.unknownKey(key, null, key == null ? "" : unknownKeyHint(key));
        }
        return definition.documentation();
    }

    /**
     * The broker key holding the broker-wide default of a topic key, e.g. "log.retention.ms" for
     * "retention.ms" (Kafka's config synonym, for DescribeConfigs); null if there is none.
     */
    public static String brokerSynonym(String topicKey) {
        for (Map.Entry<String, String> synonym : TOPIC_KEY_BY_BROKER_KEY.entrySet()) {
            if (synonym.getValue().equals(topicKey)) {
                return synonym.getKey();
            }
        }
        return null;
    }

    /** The environment variable that sets {@code key}: "log.retention.ms" -> "SPINDLE_LOG_RETENTION_MS". */
    public static String environmentVariable(String key) {
        return ENVIRONMENT_PREFIX + key.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** The topic key fed by a broker key ("log.retention.ms" -> "retention.ms"), or null. */
    static String topicKeyFor(String brokerKey) {
        return TOPIC_KEY_BY_BROKER_KEY.get(brokerKey);
    }

    /** "SPINDLE_LOG_RETENTION_MS" -> "log.retention.ms". */
    static String keyForEnvironmentVariable(String variable) {
        return variable.substring(ENVIRONMENT_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Points a topic-level name used at broker level ("retention.ms") to its broker-wide default. */
    private static String unknownKeyHint(String name) {
        String brokerKey = brokerSynonym(name);
        return brokerKey == null ? ""
                : "; " + ConfigException.quote(name) + " is a topic-level name, the broker-wide default is "
                  + ConfigException.quote(brokerKey);
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw unreadable(file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw unreadable(file, "permission denied", e);
        } catch (CharacterCodingException e) {
            throw unreadable(file, "not valid UTF-8", e);
        } catch (IOException e) {
            throw unreadable(file, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        } catch (IllegalArgumentException e) {          // Properties.load: a malformed \\uXXXX escape
            throw unreadable(file, e.getMessage(), e);
        }
        Map<String, String> settings = new TreeMap<>(); // sorted: the first error reported is stable
        for (String name : properties.stringPropertyNames()) {
            settings.put(name, properties.getProperty(name));
        }
        return settings;
    }

    private static ConfigException unreadable(Path file, String reason, Exception cause) {
        return new ConfigException(null, "Cannot read configuration file " + file + ": " + reason, cause);
    }

    private static Map<String, String> synonyms(String... brokerAndTopicKeys) {
        Map<String, String> synonyms = new LinkedHashMap<>();
        for (int i = 0; i < brokerAndTopicKeys.length; i += 2) {
            synonyms.put(brokerAndTopicKeys[i], brokerAndTopicKeys[i + 1]);
        }
        return Collections.unmodifiableMap(synonyms);
    }

    private static List<ConfigKey<?>> allKeys() {
        List<ConfigKey<?>> keys = new ArrayList<>(List.of(
                DATA_DIR_KEY, LISTENER_HOST_KEY, LISTENER_PORT_KEY, ADVERTISED_HOST_KEY, ADVERTISED_PORT_KEY,
                NODE_ID_KEY, FLUSH_MODE_KEY, FLUSH_INTERVAL_MS_KEY, FLUSH_INTERVAL_MESSAGES_KEY,
                NUM_PARTITIONS_KEY, AUTO_CREATE_TOPICS_ENABLE_KEY, SOCKET_REQUEST_MAX_BYTES_KEY, METRICS_PORT_KEY,
                METRICS_HOST_KEY, METRICS_PARTITION_SERIES_MAX_KEY, LOG_RETENTION_CHECK_INTERVAL_MS_KEY,
                GROUP_MIN_SESSION_TIMEOUT_MS_KEY, GROUP_MAX_SESSION_TIMEOUT_MS_KEY, GROUP_INITIAL_REBALANCE_DELAY_MS_KEY,
                GROUP_CONSUMER_SESSION_TIMEOUT_MS_KEY, GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS_KEY,
                OFFSETS_TOPIC_SEGMENT_BYTES_KEY, OFFSETS_SNAPSHOT_MIN_BYTES_KEY, LOG_CLEANER_THREADS_KEY,
                LOG_CLEANER_DEDUPE_BUFFER_SIZE_KEY, LOG_CLEANER_IO_MAX_BYTES_PER_SECOND_KEY,
                LOG_CLEANER_BACKOFF_MS_KEY, PRODUCER_ID_EXPIRATION_MS_KEY, PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_KEY,
                TRANSACTION_MAX_TIMEOUT_MS_KEY,
                TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS_KEY, TRANSACTIONAL_ID_EXPIRATION_MS_KEY,
                TRANSACTION_STATE_LOG_SEGMENT_BYTES_KEY, TRANSACTION_VERSION_KEY));
        keys.addAll(ConsumerGroupKeys.ALL);
        keys.addAll(ShareBrokerKeys.ALL);
        keys.addAll(ShareDeadLetterQueue.BROKER_KEYS);
        keys.addAll(ClusterBrokerKeys.ALL);
        // Same type, default and validation as the topic key they feed: one definition serves both names.
        TOPIC_KEY_BY_BROKER_KEY.forEach((brokerKey, topicKey) -> {
            ConfigKey<?> topic = TopicConfig.KEYS.get(topicKey);
            keys.add(topic.renamed(brokerKey, "Broker-wide default of '" + topicKey
                    + "' for topics that do not set it. " + topic.documentation()));
        });
        return keys;
    }

    @Override
    public String toString() {
        return "BrokerConfig" + asStringMap();
    }
}
