package io.spindle.broker.data;

import io.spindle.broker.SpindleBroker;
import io.spindle.broker.TestBroker;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.config.BrokerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The shared {@link TestBroker} with what data-path tests add: flush.mode=fsync (so acks=all waits for a real
 * group-commit fsync, the product's default), byte-array producers and consumers, topics created directly in the
 * registry, and a restart that keeps the port so that live clients reconnect.
 */
final class DataPathBroker implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> settings;
    private TestBroker broker;

    private DataPathBroker(Path dataDir, Map<String, String> overrides) {
        this.dataDir = dataDir;
        this.settings = new HashMap<>(Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
        this.settings.putAll(overrides);
        this.broker = TestBroker.start(dataDir, settings);
    }

    static DataPathBroker start(Path dataDir) {
        return new DataPathBroker(dataDir, Map.of());
    }

    static DataPathBroker start(Path dataDir, Map<String, String> overrides) {
        return new DataPathBroker(dataDir, overrides);
    }

    /** Stops the broker cleanly and starts a new one on the same data directory (on a new port). */
    void restart() {
        broker.restart();
    }

    /** Stops the broker cleanly and starts a new one on the same data directory and port, so clients reconnect. */
    void restartOnSamePort() {
        int port = broker.port();
        broker.close();
        Map<String, String> samePort = new HashMap<>(settings);
        samePort.put(BrokerConfig.LISTENER_PORT, String.valueOf(port));
        broker = TestBroker.start(dataDir, samePort);
    }

    String host() {
        return broker.broker().host();
    }

    int port() {
        return broker.port();
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    SpindleBroker broker() {
        return broker.broker();
    }

    void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        ((TopicRegistry) broker.broker().topics()).create(name, partitions, topicConfig);
    }

    KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.putAll(overrides);
        return new KafkaProducer<>(config);
    }

    KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        config.putAll(overrides);
        return new KafkaConsumer<>(config);
    }

    @Override
    public void close() {
        broker.close();
    }
}
