package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** kafka-clients 4.4.0 producing and consuming through the broker, under each producer setting that changes the path. */
class ProduceConsumeRoundTripTest {
    private static final int RECORDS = 100_000;
    private static final int PARTITIONS = 3;
    private static final long BASE_TIMESTAMP = 1_700_000_000_000L;

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void startBroker() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    static Stream<Arguments> producerSettings() {
        return Stream.of(
                Arguments.of("default: idempotent, acks=all", Map.of()),
                Arguments.of("acks=1", Map.of(ProducerConfig.ACKS_CONFIG, "1")),
                Arguments.of("acks=0", Map.of(ProducerConfig.ACKS_CONFIG, "0", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false")),
                Arguments.of("gzip", Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip")),
                Arguments.of("snappy", Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "snappy")),
                Arguments.of("lz4", Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")),
                Arguments.of("zstd", Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("producerSettings")
    void hundredThousandRecordsOverThreePartitionsComeBackCompleteAndInOrderWithKeysHeadersAndTimestamps(
            String setting, Map<String, Object> producerOverrides) throws Exception {
        String topic = "round-trip";
        broker.createTopic(topic, PARTITIONS);

        Map<String, Object> producerConfig = new HashMap<>(producerOverrides);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(producerConfig)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(expected(topic, i));
            }
            producer.flush();
        }

        List<List<ConsumerRecord<byte[], byte[]>>> byPartition = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            byPartition.add(new ArrayList<>());
        }
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int received = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    byPartition.get(record.partition()).add(record);
                    received++;
                }
            }
            assertEquals(RECORDS, received, setting + ": records received");
        }

        for (int p = 0; p < PARTITIONS; p++) {
            List<ConsumerRecord<byte[], byte[]>> records = byPartition.get(p);
            for (int j = 0; j < records.size(); j++) {
                ConsumerRecord<byte[], byte[]> actual = records.get(j);
                ProducerRecord<byte[], byte[]> wanted = expected(topic, j * PARTITIONS + p);
                String where = setting + ": partition " + p + " record " + j;
                assertEquals(j, actual.offset(), where + " offset");
                assertArrayEquals(wanted.key(), actual.key(), where + " key");
                assertArrayEquals(wanted.value(), actual.value(), where + " value");
                assertEquals(wanted.timestamp().longValue(), actual.timestamp(), where + " timestamp");
                Header[] wantedHeaders = wanted.headers().toArray();
                Header[] actualHeaders = actual.headers().toArray();
                assertEquals(wantedHeaders.length, actualHeaders.length, where + " header count");
                for (int h = 0; h < wantedHeaders.length; h++) {
                    assertEquals(wantedHeaders[h].key(), actualHeaders[h].key(), where + " header key");
                    assertArrayEquals(wantedHeaders[h].value(), actualHeaders[h].value(), where + " header value");
                }
            }
        }
    }

    @Test
    void aLogAppendTimeTopicStampsRecordsWithTheBrokersTimeAndTellsTheProducer() throws Exception {
        broker.createTopic("appended", 1, Map.of("message.timestamp.type", "LogAppendTime"));
        long before = System.currentTimeMillis();
        RecordMetadata metadata;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            metadata = producer.send(new ProducerRecord<>("appended", 0, 1_000L, null, "v".getBytes(StandardCharsets.UTF_8))).get();
        }
        long after = System.currentTimeMillis();
        assertTrue(metadata.timestamp() >= before && metadata.timestamp() <= after, "append time " + metadata.timestamp());

        TopicPartition partition = new TopicPartition("appended", 0);
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(1, records.size());
            assertEquals(TimestampType.LOG_APPEND_TIME, records.get(0).timestampType());
            assertEquals(metadata.timestamp(), records.get(0).timestamp());
        }
    }

    /** Record i: partition i % 3; every 10th key null; values null, empty or text; some headers, one with a null value. */
    private static ProducerRecord<byte[], byte[]> expected(String topic, int i) {
        byte[] key = i % 10 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
        byte[] value = switch (i % 7) {
            case 0 -> null;
            case 1 -> new byte[0];
            default -> ("value-" + i).getBytes(StandardCharsets.UTF_8);
        };
        List<Header> headers = new ArrayList<>();
        if (i % 4 == 0) {
            headers.add(new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)));
            headers.add(new RecordHeader("empty", null));
        }
        return new ProducerRecord<>(topic, i % PARTITIONS, BASE_TIMESTAMP + i, key, value, headers);
    }
}
