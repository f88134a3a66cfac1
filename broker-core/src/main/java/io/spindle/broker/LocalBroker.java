package io.spindle.broker;

import io.spindle.broker.meta.TopicRegistry;
import io.spindle.config.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real broker in this process, for tests, benchmarks and programs that embed one: on 127.0.0.1 with a free port,
 * {@code flush.mode=none} (a test that is about durability sets {@code fsync}) and no metrics listener
 * ({@code metrics.port=0} asks for one on a free port), its data in a directory the caller owns or in a temporary one
 * that {@link #close()} deletes. Clients made through it are closed before it. {@link #restart()} stops the broker
 * cleanly and starts a new one on the same data and settings, as an operator's restart does.
 *
 * <pre>{@code
 * try (LocalBroker broker = LocalBroker.start(tempDir)) {
 *     broker.admin().createTopics(...);
 *     KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of());
 * }
 * }</pre>
 *
 * <p>This is the one in-process broker of the project: broker-core's tests, perf's tests and spindle-test's
 * {@code EmbeddedSpindle} (the JUnit extension users put in their builds) all start brokers through it.
 */
public final class LocalBroker implements AutoCloseable {
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Map<String, String> settings;
    private final Clock clock;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private SpindleBroker broker;

    private LocalBroker(Path dataDir, boolean ownsDataDir, Map<String, String> settings, Clock clock) {
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.settings = settings;
        this.clock = clock;
        this.broker = SpindleBroker.start(config(), clock);
    }

    /** A broker with the defaults above, its data in {@code dataDir} (kept at close). */
    public static LocalBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    /** A broker with broker settings {@code overrides} (e.g. "num.partitions" → "3") on top of the defaults above. */
    public static LocalBroker start(Path dataDir, Map<String, String> overrides) {
        return start(dataDir, overrides, Clock.systemUTC());
    }

    /** As {@link #start(Path, Map)}, with the clock the broker's logs and groups read. */
    public static LocalBroker start(Path dataDir, Map<String, String> overrides, Clock clock) {
        return new LocalBroker(dataDir, false, settings(dataDir, overrides), clock);
    }

    /** A broker whose data lives in a new temporary directory, deleted at {@link #close()}. */
    public static LocalBroker startInTempDir(Map<String, String> overrides) {
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("spindle-local-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory for an in-process broker", e);
        }
        try {
            return new LocalBroker(dataDir, true, settings(dataDir, overrides), Clock.systemUTC());
        } catch (RuntimeException e) {
            deleteTree(dataDir);
            throw e;
        }
    }

    private static Map<String, String> settings(Path dataDir, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(BrokerConfig.LISTENER_HOST, "127.0.0.1");
        settings.put(BrokerConfig.LISTENER_PORT, "0");
        settings.put(BrokerConfig.FLUSH_MODE, "none");
        settings.put(BrokerConfig.METRICS_PORT, "-1");
        settings.putAll(overrides);
        settings.put(BrokerConfig.DATA_DIR, dataDir.toString());
        return settings;
    }

    public BrokerConfig config() {
        return BrokerConfig.of(settings);
    }

    /** The broker itself, for what a test needs beyond its address (topics, partitions, metrics). */
    public SpindleBroker broker() {
        return broker;
    }

    /** The host clients are told to connect to (advertised.host when set). */
    public String host() {
        return broker.host();
    }

    public int port() {
        return broker.port();
    }

    /** "127.0.0.1:port", the address the listener bound (not an advertised one), for bootstrap.servers. */
    public String bootstrapServers() {
        return settings.get(BrokerConfig.LISTENER_HOST) + ":" + broker.port();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates a topic directly in the broker's registry (no admin round trip), with topic config overrides. */
    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        ((TopicRegistry) broker.topics()).create(name, partitions, topicConfig);
    }

    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Client properties with bootstrap.servers set and short timeouts, for an Admin, producer or consumer. */
    public Properties clientProperties() {
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        properties.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return properties;
    }

    /** A new Admin client on this broker, closed with the broker. */
    public Admin admin() {
        Properties properties = clientProperties();
        properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "local-admin-" + clients.size());
        return closeWithBroker(Admin.create(properties));
    }

    /** A byte-array producer with kafka-clients' defaults and {@code overrides}; the caller closes it. */
    public KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.putAll(overrides);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A byte-array consumer that commits only when told to (enable.auto.commit=false) and takes up to 5000 records a
     * poll, with {@code overrides}; the caller closes it.
     */
    public KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> overrides) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        config.putAll(overrides);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * A byte-array share consumer (KIP-932) of share group {@code group}, with kafka-clients' defaults and
     * {@code overrides}; the caller closes it.
     */
    public KafkaShareConsumer<byte[], byte[]> shareConsumer(String group, Map<String, Object> overrides) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.putAll(overrides);
        return new KafkaShareConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Registers a client (producer, consumer) to be closed before the broker. */
    public <T extends AutoCloseable> T closeWithBroker(T client) {
        clients.add(client);
        return client;
    }

    /** Stops the broker cleanly and starts a new one on the same data and settings (on a new port). */
    public LocalBroker restart() {
        closeClients();
        broker.close();
        broker = SpindleBroker.start(config(), clock);
        return this;
    }

    /** Stops the broker cleanly and starts a new one on the same data, settings and port, so live clients reconnect. */
    public LocalBroker restartOnSamePort() {
        int port = broker.port();
        broker.close();
        settings.put(BrokerConfig.LISTENER_PORT, Integer.toString(port));
        broker = SpindleBroker.start(config(), clock);
        return this;
    }

    /**
     * Stops the broker cleanly, runs {@code whileStopped} (its data directory is free: a test may change the files
     * there), and starts a new one on the same data, settings and port.
     */
    public LocalBroker restartOnSamePort(Runnable whileStopped) {
        int port = broker.port();
        broker.close();
        whileStopped.run();
        settings.put(BrokerConfig.LISTENER_PORT, Integer.toString(port));
        broker = SpindleBroker.start(config(), clock);
        return this;
    }

    private void closeClients() {
        List<AutoCloseable> closing = new ArrayList<>(clients);
        clients.clear();
        RuntimeException failure = null;
        for (AutoCloseable client : closing) {
            try {
                client.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("Closing client " + client + " of the local broker failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Closes the clients made through it, stops the broker, and deletes a temporary data directory. */
    @Override
    public void close() {
        try {
            closeClients();
        } finally {
            try {
                broker.close();
            } finally {
                if (ownsDataDir) {
                    deleteTree(dataDir);
                }
            }
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the local broker's data directory " + root, e);
        }
    }

    @Override
    public String toString() {
        return "LocalBroker(" + bootstrapServers() + ", data in " + dataDir + ")";
    }
}
