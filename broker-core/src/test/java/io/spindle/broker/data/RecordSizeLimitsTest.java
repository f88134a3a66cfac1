package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large records, and records over the topic's max.message.bytes. */
class RecordSizeLimitsTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void aOneMebibyteRecordRoundTripsIntact() throws Exception {
        broker.createTopic("large", 1, Map.of("max.message.bytes", String.valueOf(2 * MIB)));
        byte[] value = new byte[MIB];
        new Random(42).nextBytes(value);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * MIB))) {
            producer.send(new ProducerRecord<>("large", 0, null, value)).get();
            producer.send(new ProducerRecord<>("large", 0, null, "after".getBytes())).get();
        }

        List<ConsumerRecord<byte[], byte[]>> records = consumeFromStart("large", 2);
        assertArrayEquals(value, records.get(0).value());
        assertArrayEquals("after".getBytes(), records.get(1).value());
    }

    @Test
    void aRecordOverMaxMessageBytesFailsWithRecordTooLargeExceptionAndTheTopicKeepsAccepting() throws Exception {
        broker.createTopic("capped", 1, Map.of("max.message.bytes", "10000"));
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * MIB))) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("capped", 0, null, new byte[20_000])).get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, failure.getCause());

            RecordMetadata small = producer.send(new ProducerRecord<>("capped", 0, null, new byte[100])).get(30, TimeUnit.SECONDS);
            assertEquals(0, small.offset());
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> consumeFromStart(String topic, int count) {
        TopicPartition partition = new TopicPartition(topic, 0);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertEquals(count, records.size());
        return records;
    }
}
