package io.spindle.broker.data;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.broker.LocalBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DeleteRecords through kafka-clients 4.4.0's {@code Admin.deleteRecords}, what Kafka Streams purges repartition topics with. */
class DeleteRecordsTest {
    private static final TopicPartition EVENTS = new TopicPartition("events", 0);

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir);
        broker.createTopic(EVENTS.topic(), 1);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(EVENTS.topic(), ("e" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void recordsBelowTheOffsetAreGoneForConsumersAndStayGoneAfterARestart() throws Exception {
        long lowWatermark = deleteBefore(EVENTS, 4);

        assertEquals(4, lowWatermark);
        assertEquals(List.of("e4", "e5", "e6", "e7", "e8", "e9"), readFromBeginning());
        broker.restart();
        assertEquals(4, earliest());
        assertEquals(List.of("e4", "e5", "e6", "e7", "e8", "e9"), readFromBeginning());
    }

    @Test
    void theHighWatermarkSentinelDeletesEverythingAndTheStartNeverMovesBack() throws Exception {
        assertEquals(10, deleteBefore(EVENTS, RecordsToDelete.beforeOffset(-1L)));
        assertEquals(10, deleteBefore(EVENTS, 3));
        assertEquals(10, earliest());
    }

    @Test
    void anOffsetAboveTheHighWatermarkIsOutOfRange() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> deleteBefore(EVENTS, 11));
        assertInstanceOf(OffsetOutOfRangeException.class, e.getCause());
    }

    @Test
    void aCompactedTopicIsAPolicyViolation() {
        broker.createTopic("latest", 1, Map.of("cleanup.policy", "compact"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> deleteBefore(new TopicPartition("latest", 0), 0));
        assertInstanceOf(PolicyViolationException.class, e.getCause());
    }

    private long deleteBefore(TopicPartition partition, long offset) throws Exception {
        return deleteBefore(partition, RecordsToDelete.beforeOffset(offset));
    }

    private long deleteBefore(TopicPartition partition, RecordsToDelete what) throws Exception {
        return broker.admin().deleteRecords(Map.of(partition, what)).lowWatermarks().get(partition).get().lowWatermark();
    }

    private long earliest() {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            return consumer.beginningOffsets(List.of(EVENTS)).get(EVENTS);
        }
    }

    private List<String> readFromBeginning() {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(EVENTS));
            consumer.seekToBeginning(List.of(EVENTS));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
                return consumer.position(EVENTS) >= 10;
            });
            return values;
        }
    }
}
