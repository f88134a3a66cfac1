package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker restarted on the same data directory serves what the previous one stored. */
class RestartTest {
    private static final String TOPIC = "durable";
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 1_000;

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
        broker.createTopic(TOPIC, PARTITIONS);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void afterARestartEveryRecordReadsBackAndNewRecordsContinueTheOffsets() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            send(producer, 0, PER_PARTITION);
        }

        broker.restart();

        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            List<RecordMetadata> continued = send(producer, PER_PARTITION, 1);
            for (RecordMetadata metadata : continued) {
                assertEquals(PER_PARTITION, metadata.offset(), "first offset after restart on partition " + metadata.partition());
            }
        }
        assertEverythingReadsBack(PER_PARTITION + 1);
    }

    @Test
    void anIdempotentProducerCarriesOnAcrossABrokerRestartWithoutDuplicates() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            send(producer, 0, PER_PARTITION);
            broker.restartOnSamePort();
            send(producer, PER_PARTITION, PER_PARTITION);
        }
        assertEverythingReadsBack(2 * PER_PARTITION);
    }

    @Test
    void producerIdsHandedOutAfterARestartWereNeverHandedOutBefore() throws Exception {
        long before;
        try (RawKafkaConnection client = new RawKafkaConnection(broker.host(), broker.port())) {
            before = ((InitProducerIdResponse) client.roundTrip(KafkaRequests.initProducerId(null))).data().producerId();
        }
        broker.restart();
        long after;
        try (RawKafkaConnection client = new RawKafkaConnection(broker.host(), broker.port())) {
            after = ((InitProducerIdResponse) client.roundTrip(KafkaRequests.initProducerId(null))).data().producerId();
        }
        assertTrue(after > before, "id " + after + " after the restart, " + before + " before");
    }

    /** Sends records i = from..from+count-1 to every partition (value "p-i"), waiting for each acknowledgement. */
    private static List<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, int from, int count) throws Exception {
        List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            for (int p = 0; p < PARTITIONS; p++) {
                futures.add(producer.send(new ProducerRecord<>(TOPIC, p, null, value(p, i))));
            }
        }
        List<RecordMetadata> acknowledged = new ArrayList<>();
        for (java.util.concurrent.Future<RecordMetadata> future : futures) {
            acknowledged.add(future.get(60, TimeUnit.SECONDS));
        }
        return acknowledged.subList(acknowledged.size() - PARTITIONS, acknowledged.size());
    }

    private void assertEverythingReadsBack(int perPartition) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(TOPIC, p));
        }
        List<List<String>> values = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            values.add(new ArrayList<>());
        }
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int received = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received < perPartition * PARTITIONS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.get(record.partition()).add(new String(record.value(), StandardCharsets.UTF_8));
                    received++;
                }
            }
            assertEquals(perPartition * PARTITIONS, received);
            assertEquals(perPartition, consumer.endOffsets(partitions).get(partitions.get(0)));
        }
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < perPartition; i++) {
                assertEquals(new String(value(p, i), StandardCharsets.UTF_8), values.get(p).get(i), "partition " + p + " offset " + i);
            }
        }
    }

    private static byte[] value(int partition, int i) {
        return (partition + "-" + i).getBytes(StandardCharsets.UTF_8);
    }
}
