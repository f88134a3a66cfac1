package io.spindle.broker.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.broker.LocalBroker;
import io.spindle.config.TopicConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A compacted topic refuses records without a key at produce, with Kafka's error, as Kafka's LogValidator does. */
class CompactedTopicProduceTest {
    @TempDir
    Path dataDir;

    private LocalBroker broker;

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"compact", "compact,delete"})
    void aRecordWithoutKeyIsRefusedWithInvalidRecordAndKafkasMessage(String policy) throws Exception {
        broker.createTopic("table", 1, Map.of(TopicConfig.CLEANUP_POLICY, policy));
        KafkaProducer<byte[], byte[]> producer = broker.closeWithBroker(broker.producer(Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, "0")));

        assertEquals(0, producer.send(new ProducerRecord<>("table", bytes("k"), bytes("v"))).get().offset());
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>("table", null, bytes("no key"))).get());
        assertInstanceOf(InvalidRecordException.class, failure.getCause());
        assertEquals("Compacted topic cannot accept message without key in topic partition table-0.",
                failure.getCause().getMessage());
        assertEquals(1, producer.send(new ProducerRecord<>("table", bytes("k"), null)).get().offset(),
                "a tombstone has a key: it is taken, and the refused batch took no offset");
    }

    @ParameterizedTest
    @ValueSource(strings = {"delete"})
    void aTopicThatIsNotCompactedTakesRecordsWithoutKey(String policy) throws Exception {
        broker.createTopic("events", 1, Map.of(TopicConfig.CLEANUP_POLICY, policy));
        KafkaProducer<byte[], byte[]> producer = broker.closeWithBroker(broker.producer(Map.of()));
        assertEquals(0, producer.send(new ProducerRecord<>("events", null, bytes("no key"))).get().offset());
    }
}
