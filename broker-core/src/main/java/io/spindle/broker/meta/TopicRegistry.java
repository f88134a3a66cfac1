package io.spindle.broker.meta;

import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.config.BrokerConfig;
import io.spindle.config.ConfigException;
import io.spindle.config.TopicConfig;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's topics: name, stable {@link Uuid}, partition count and config overrides, kept durably under
 * {@code <data-dir>/meta/topics/<id>.properties} (one file per topic, replaced atomically). The directory name
 * "meta" has no "-&lt;digits&gt;" suffix, so the log manager does not take it for a partition.
 *
 * <p>The registry is the source of truth: on {@link #attach} every partition it lists gets a log, and a
 * partition directory it does not list (left by a delete interrupted by a crash) is deleted.
 *
 * <p>Thread-safety: reads are lock-free over immutable entries; mutations are serialized on this object and
 * block on disk (file writes with fsync, partition directory creation and deletion), so call them off the
 * Netty event loops. Each mutation is made durable before it becomes visible.
 */
public final class TopicRegistry implements Topics {
    private static final Logger log = LoggerFactory.getLogger(TopicRegistry.class);

    static final String META_DIR = "meta";
    private static final String TOPICS_DIR = "topics";
    private static final String CLUSTER_FILE = "cluster.properties";
    private static final String TOPIC_FILE_SUFFIX = ".properties";
    private static final String FORMAT_VERSION = "1";
    private static final String CONFIG_PREFIX = "config.";

    private final Path topicsDir;
    private final BrokerConfig brokerConfig;
    private final String clusterId;
    private final Map<String, Entry> byName = new ConcurrentHashMap<>();
    private final Map<Uuid, Entry> byId = new ConcurrentHashMap<>();
    private volatile LogManager logs;
    private volatile BiPredicate<String, Integer> hosts = (topic, partition) -> true;

    /** A topic and the overrides its config was built from. */
    private record Entry(TopicInfo info, Map<String, String> overrides) {
    }

    private TopicRegistry(Path topicsDir, BrokerConfig brokerConfig, String clusterId) {
        this.topicsDir = topicsDir;
        this.brokerConfig = brokerConfig;
        this.clusterId = clusterId;
    }

    /**
     * Reads the registry under {@code dataDir}, creating it (and a new cluster id) on first start.
     *
     * @throws UncheckedIOException naming the file that cannot be read or written
     * @throws IllegalStateException naming a topic file whose content does not hold together
     */
    public static TopicRegistry load(Path dataDir, BrokerConfig brokerConfig) {
        Path metaDir = dataDir.resolve(META_DIR);
        Path topicsDir = metaDir.resolve(TOPICS_DIR);
        try {
            DurableFiles.createDirectories(topicsDir);
            TopicRegistry registry = new TopicRegistry(topicsDir, brokerConfig, loadOrCreateClusterId(metaDir));
            try (DirectoryStream<Path> files = Files.newDirectoryStream(topicsDir)) {
                for (Path file : files) {
                    String fileName = file.getFileName().toString();
                    if (fileName.endsWith(DurableFiles.TEMP_SUFFIX)) {
                        Files.delete(file);     // a write interrupted before its rename: the old file still stands
                    } else if (fileName.endsWith(TOPIC_FILE_SUFFIX)) {
                        Entry entry = registry.readTopic(file);
                        registry.byName.put(entry.info().name(), entry);
                        registry.byId.put(entry.info().id(), entry);
                    }
                }
            }
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load the topic registry under " + metaDir + ": " + e.getMessage(), e);
        }
    }

    private static String loadOrCreateClusterId(Path metaDir) throws IOException {
        Path file = metaDir.resolve(CLUSTER_FILE);
        if (Files.exists(file)) {
            Properties properties = readProperties(file);
            String id = properties.getProperty("cluster.id");
            if (id == null || id.isBlank()) {
                throw new IllegalStateException("No cluster.id in " + file);
            }
            return id;
        }
        String id = Uuid.randomUuid().toString();
        Properties properties = new Properties();
        properties.setProperty("format.version", FORMAT_VERSION);
        properties.setProperty("cluster.id", id);
        DurableFiles.write(file, format(properties, "Spindle cluster identity"));
        return id;
    }

    /**
     * Which partitions get a log on this broker: all of them on a single broker (the default); in a cluster those whose
     * replicas include this broker. Set before {@link #attach}; the test may read other state (the metadata image).
     */
    public void hostOnly(BiPredicate<String, Integer> hostsPartition) {
        this.hosts = hostsPartition;
    }

    /**
     * Connects the partition logs: creates the log of every partition the registry lists that has none, and
     * deletes the logs of topics or partitions it does not list. Call once, right after opening the log manager.
     */
    public synchronized void attach(LogManager logManager) {
        this.logs = logManager;
        Set<String> orphans = new TreeSet<>();
        for (PartitionLog partitionLog : new ArrayList<>(logManager.logs())) {
            Entry entry = byName.get(partitionLog.topic());
            if (entry == null || partitionLog.partition() >= entry.info().partitions()) {
                orphans.add(partitionLog.topic() + "-" + partitionLog.partition());
                logManager.delete(partitionLog.topic(), partitionLog.partition());
            }
        }
        if (!orphans.isEmpty()) {
            log.warn("Deleted partition directories of topics the registry does not list (an interrupted delete): {}", orphans);
        }
        for (Entry entry : byName.values()) {
            createLogs(entry.info(), 0);
        }
    }

    public String clusterId() {
        return clusterId;
    }

    /** The effective config of {@code topic}, or the broker's topic defaults for a topic the registry does not know. */
    public TopicConfig configFor(String topic) {
        Entry entry = byName.get(topic);
        return entry == null ? brokerConfig.topicDefaults() : entry.info().config();
    }

    /** The config keys set on {@code topic} itself (empty map when none or the topic is unknown). */
    public Map<String, String> overrides(String topic) {
        Entry entry = byName.get(topic);
        return entry == null ? Map.of() : entry.overrides();
    }

    /** Internal topics are the broker's own ("__consumer_offsets" and the like). */
    public static boolean isInternal(String topic) {
        return topic.startsWith("__");
    }

    @Override
    public Optional<TopicInfo> topic(String name) {
        Entry entry = name == null ? null : byName.get(name);
        return entry == null ? Optional.empty() : Optional.of(entry.info());
    }

    @Override
    public Optional<TopicInfo> topic(Uuid id) {
        Entry entry = id == null ? null : byId.get(id);
        return entry == null ? Optional.empty() : Optional.of(entry.info());
    }

    @Override
    public Collection<TopicInfo> all() {
        List<TopicInfo> topics = new ArrayList<>(byName.size());
        for (Entry entry : byName.values()) {
            topics.add(entry.info());
        }
        topics.sort((a, b) -> a.name().compareTo(b.name()));
        return Collections.unmodifiableList(topics);
    }

    /** {@inheritDoc} Creating blocks on disk: call it off the event loops. */
    @Override
    public Optional<TopicInfo> getOrAutoCreate(String name) {
        Optional<TopicInfo> existing = topic(name);
        if (existing.isPresent() || !brokerConfig.autoCreateTopicsEnable() || name == null || !Topic.isValid(name)) {
            return existing;
        }
        try {
            return Optional.of(create(name, brokerConfig.numPartitions(), Map.of()));
        } catch (TopicExistsException raced) {
            return topic(name);
        } catch (InvalidTopicException collides) {
            return Optional.empty();
        }
    }

    /**
     * Checks that a topic could be created, without creating it (CreateTopics validateOnly).
     *
     * @return the topic as it would be, with a fresh id
     * @throws InvalidTopicException for an invalid name or one colliding with an existing topic ('.' vs '_')
     * @throws TopicExistsException when a topic of that name exists
     * @throws InvalidPartitionsException for a partition count below 1
     * @throws InvalidConfigurationException naming the key of an invalid override
     */
    public TopicInfo validateCreate(String name, int partitions, Map<String, String> overrides) {
        Topic.validate(name);
        if (byName.containsKey(name)) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        for (String existing : byName.keySet()) {
            if (Topic.hasCollision(name, existing)) {
                throw new InvalidTopicException("Topic '" + name + "' collides with existing topic '" + existing
                        + "': topic names that differ only in '.' and '_' could collide in metric names.");
            }
        }
        if (partitions < 1) {
            throw new InvalidPartitionsException("Number of partitions must be at least 1, was " + partitions
                    + " for topic '" + name + "'.");
        }
        return new TopicInfo(name, Uuid.randomUuid(), partitions, effectiveConfig(name, overrides));
    }

    /**
     * Creates a topic durably and its partition logs. Exceptions as {@link #validateCreate}, plus
     * {@link KafkaStorageException} naming the file when the registry cannot be written.
     */
    public synchronized TopicInfo create(String name, int partitions, Map<String, String> overrides) {
        TopicInfo candidate = validateCreate(name, partitions, overrides);
        Uuid id = candidate.id();
        while (byId.containsKey(id) || Uuid.RESERVED.contains(id)) {
            id = Uuid.randomUuid();
        }
        return createAs(name, id, partitions, candidate.config(), overrides);
    }

    /**
     * Records a topic another authority created (the cluster's metadata quorum) under the id it chose, durably, without
     * its logs: {@link #createHostedLogs} makes those of the partitions this broker hosts (the cluster serves the topic's
     * metadata meanwhile, and a request for a partition without a log here gets a retriable error, as in Kafka).
     * Exceptions as {@link #validateCreate}, plus {@link KafkaStorageException} naming the file when the registry cannot
     * be written.
     */
    public synchronized TopicInfo adopt(String name, Uuid id, int partitions, Map<String, String> overrides) {
        TopicInfo candidate = validateCreate(name, partitions, overrides);
        if (byId.containsKey(id)) {
            throw new TopicExistsException("Topic id " + id + " of topic '" + name + "' is already taken.");
        }
        TopicInfo info = record(name, id, partitions, candidate.config(), overrides);
        log.info("Recorded topic '{}' (id {}) with {} partition(s){}", name, id, partitions,
                overrides.isEmpty() ? "" : " and overrides " + overrides);
        return info;
    }

    /**
     * Raises a topic's partition count as another authority decided (the cluster's metadata quorum), durably, without
     * logs for the new partitions: {@link #createHostedLogs} makes them. Exceptions as {@link #increasePartitions}.
     */
    public synchronized TopicInfo adoptPartitions(String name, int newCount) {
        return growTo(name, newCount, false, false);
    }

    /**
     * Creates the logs of the topic's partitions this broker hosts that have none yet (a topic or partitions just
     * adopted, or hosting that changed); nothing when every one has its log.
     */
    public synchronized void createHostedLogs(String name) {
        Entry entry = byName.get(name);
        if (entry != null) {
            createLogs(entry.info(), 0);
        }
    }

    /**
     * Deletes the log of a partition this broker no longer hosts (a reassignment moved it to other brokers); nothing
     * when it hosts it (again) or holds no log of it.
     *
     * @return whether a log was deleted
     */
    public synchronized boolean deleteUnhostedLog(String name, int partition) {
        LogManager logManager = logs;
        if (logManager == null || hosts.test(name, partition) || logManager.get(name, partition).isEmpty()) {
            return false;
        }
        logManager.delete(name, partition);
        log.info("Deleted the log of partition {}-{}: its replicas moved to other brokers", name, partition);
        return true;
    }

    private TopicInfo record(String name, Uuid id, int partitions, TopicConfig config, Map<String, String> overrides) {
        TopicInfo info = new TopicInfo(name, id, partitions, config);
        Entry entry = new Entry(info, copyOf(overrides));
        writeTopic(entry);
        byName.put(name, entry);
        byId.put(id, entry);
        return info;
    }

    private TopicInfo createAs(String name, Uuid id, int partitions, TopicConfig config, Map<String, String> overrides) {
        TopicInfo info = record(name, id, partitions, config, overrides);
        try {
            createLogs(info, 0);
        } catch (RuntimeException e) {
            undoCreate(info, e);
            throw e;
        }
        log.info("Created topic '{}' (id {}) with {} partition(s){}", name, id, partitions,
                overrides.isEmpty() ? "" : " and overrides " + overrides);
        return info;
    }

    /**
     * Deletes a topic: first from the registry (durably), then its partition directories.
     *
     * @throws UnknownTopicOrPartitionException when there is no such topic
     */
    public synchronized TopicInfo delete(String name) {
        Entry entry = byName.get(name);
        if (entry == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        TopicInfo info = entry.info();
        try {
            DurableFiles.delete(topicFile(info.id()));
        } catch (IOException e) {
            throw storageError("delete", topicFile(info.id()), e);
        }
        byName.remove(name);
        byId.remove(info.id());
        LogManager logManager = logs;
        if (logManager != null) {
            for (int partition = 0; partition < info.partitions(); partition++) {
                logManager.delete(name, partition);
            }
        }
        log.info("Deleted topic '{}' (id {}) and its {} partition(s)", name, info.id(), info.partitions());
        return info;
    }

    /**
     * Raises a topic's partition count (CreatePartitions).
     *
     * @param validateOnly check without changing anything
     * @throws UnknownTopicOrPartitionException when there is no such topic
     * @throws InvalidPartitionsException when {@code newCount} is not above the current count
     */
    public synchronized TopicInfo increasePartitions(String name, int newCount, boolean validateOnly) {
        return growTo(name, newCount, validateOnly, true);
    }

    private TopicInfo growTo(String name, int newCount, boolean validateOnly, boolean withLogs) {
        Entry entry = byName.get(name);
        if (entry == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        int current = entry.info().partitions();
        if (newCount == current) {
            throw new InvalidPartitionsException("Topic '" + name + "' already has " + current + " partitions.");
        }
        if (newCount < current) {
            throw new InvalidPartitionsException("Topic '" + name + "' currently has " + current
                    + " partitions, which is higher than the requested " + newCount + "; partitions can only be added.");
        }
        TopicInfo old = entry.info();
        TopicInfo info = new TopicInfo(name, old.id(), newCount, old.config());
        if (validateOnly) {
            return info;
        }
        Entry updated = new Entry(info, entry.overrides());
        writeTopic(updated);
        byName.put(name, updated);
        byId.put(info.id(), updated);
        if (withLogs) {
            createLogs(info, current);
        }
        log.info("Topic '{}' now has {} partitions (was {})", name, newCount, current);
        return info;
    }

    /**
     * Replaces the overrides of a topic (the complete set), durably, and applies the new config to its live
     * partition logs.
     *
     * @param validateOnly check without changing anything
     * @throws UnknownTopicOrPartitionException when there is no such topic
     * @throws InvalidConfigurationException naming the key of an invalid override
     */
    public synchronized TopicInfo replaceOverrides(String name, Map<String, String> overrides, boolean validateOnly) {
        Entry entry = byName.get(name);
        if (entry == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
        }
        TopicConfig config = effectiveConfig(name, overrides);
        TopicInfo old = entry.info();
        TopicInfo info = new TopicInfo(name, old.id(), old.partitions(), config);
        if (validateOnly) {
            return info;
        }
        Entry updated = new Entry(info, copyOf(overrides));
        writeTopic(updated);
        byName.put(name, updated);
        byId.put(info.id(), updated);
        LogManager logManager = logs;
        if (logManager != null) {
            for (int partition = 0; partition < info.partitions(); partition++) {
                logManager.get(name, partition).ifPresent(partitionLog -> partitionLog.updateConfig(config));
            }
        }
        log.info("Topic '{}' config overrides are now {}", name, updated.overrides());
        return info;
    }

    /** A topic whose logs could not all be created is removed again, so that no half-made topic is visible. */
    private void undoCreate(TopicInfo info, RuntimeException cause) {
        log.error("Creating the partition logs of topic '{}' failed; removing the topic again", info.name(), cause);
        byName.remove(info.name());
        byId.remove(info.id());
        try {
            DurableFiles.delete(topicFile(info.id()));
        } catch (IOException e) {
            cause.addSuppressed(e);     // then the topic comes back, with empty logs, at the next start
        }
        LogManager logManager = logs;
        for (int partition = 0; partition < info.partitions() && logManager != null; partition++) {
            try {
                logManager.delete(info.name(), partition);
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private TopicConfig effectiveConfig(String topic, Map<String, String> overrides) {
        try {
            return brokerConfig.topicDefaults().with(overrides);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage() + " (topic '" + topic + "')");
        }
    }

    private void createLogs(TopicInfo info, int fromPartition) {
        LogManager logManager = logs;
        if (logManager == null) {
            return;
        }
        List<Integer> hosted = new ArrayList<>();
        for (int partition = fromPartition; partition < info.partitions(); partition++) {
            if (hosts.test(info.name(), partition) && logManager.get(info.name(), partition).isEmpty()) {
                hosted.add(partition);
            }
        }
        if (hosted.isEmpty()) {
            return;     // the cluster's applier asks for every topic of every image: most have all their logs
        }
        // All at once: one fsync of the data directory for the new directories, the logs opened in parallel.
        logManager.getOrCreateAll(info.name(), hosted, info.config());
    }

    private Path topicFile(Uuid id) {
        return topicsDir.resolve(id + TOPIC_FILE_SUFFIX);
    }

    private void writeTopic(Entry entry) {
        TopicInfo info = entry.info();
        Properties properties = new Properties();
        properties.setProperty("format.version", FORMAT_VERSION);
        properties.setProperty("name", info.name());
        properties.setProperty("id", info.id().toString());
        properties.setProperty("partitions", Integer.toString(info.partitions()));
        entry.overrides().forEach((key, value) -> properties.setProperty(CONFIG_PREFIX + key, value));
        Path file = topicFile(info.id());
        try {
            DurableFiles.write(file, format(properties, "Spindle topic " + info.name()));
        } catch (IOException e) {
            throw storageError("write", file, e);
        }
    }

    private Entry readTopic(Path file) throws IOException {
        Properties properties = readProperties(file);
        String name = properties.getProperty("name");
        String id = properties.getProperty("id");
        String partitions = properties.getProperty("partitions");
        if (!FORMAT_VERSION.equals(properties.getProperty("format.version")) || name == null || id == null
                || partitions == null) {
            throw new IllegalStateException("Topic file " + file + " lacks format.version=" + FORMAT_VERSION
                    + ", name, id or partitions");
        }
        Map<String, String> overrides = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith(CONFIG_PREFIX)) {
                overrides.put(key.substring(CONFIG_PREFIX.length()), properties.getProperty(key));
            }
        }
        try {
            TopicInfo info = new TopicInfo(name, Uuid.fromString(id), Integer.parseInt(partitions),
                    brokerConfig.topicDefaults().with(overrides));
            return new Entry(info, copyOf(overrides));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Topic file " + file + " does not hold together: " + e.getMessage(), e);
        }
    }

    private static Properties readProperties(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return properties;
    }

    private static String format(Properties properties, String comment) {
        StringWriter text = new StringWriter();
        try {
            properties.store(text, comment);
        } catch (IOException e) {
            throw new UncheckedIOException(e);      // a StringWriter does not fail
        }
        return text.toString();
    }

    private static Map<String, String> copyOf(Map<String, String> overrides) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(new TreeMap<>(overrides)));
    }

    private static KafkaStorageException storageError(String action, Path file, IOException e) {
        log.error("Cannot {} topic registry file {}: {}", action, file, e.toString());
        return new KafkaStorageException("Cannot " + action + " topic registry file " + file + ": " + e.getMessage(), e);
    }
}
