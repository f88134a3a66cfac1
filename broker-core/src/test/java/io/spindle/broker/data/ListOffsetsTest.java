package io.spindle.broker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ListOffsets as kafka-clients asks it: beginning, end, by timestamp and max timestamp. */
class ListOffsetsTest {
    private static final String TOPIC = "timed";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    /** Record timestamps in offset order: not monotonic, the largest is at offset 3. */
    private static final long[] TIMESTAMPS = {1_000, 2_000, 3_000, 9_000, 4_000, 5_000};
    /** The leader epoch of every record here: the single broker leads at epoch 0. */
    private static final Optional<Integer> EPOCH_0 = Optional.of(0);

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
        broker.createTopic(TOPIC, 1);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            for (int i = 0; i < TIMESTAMPS.length; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, TIMESTAMPS[i], null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void beginningAndEndOffsetsAreTheLogStartAndLogEndOffsets() {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            assertEquals(Map.of(PARTITION, 0L), consumer.beginningOffsets(List.of(PARTITION), Duration.ofSeconds(10)));
            assertEquals(Map.of(PARTITION, (long) TIMESTAMPS.length), consumer.endOffsets(List.of(PARTITION), Duration.ofSeconds(10)));
        }
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterTheTimestampAndNothingPastTheNewest() {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            assertEquals(new OffsetAndTimestamp(0, 1_000, EPOCH_0), offsetForTime(consumer, 0));
            assertEquals(new OffsetAndTimestamp(1, 2_000, EPOCH_0), offsetForTime(consumer, 2_000));
            assertEquals(new OffsetAndTimestamp(3, 9_000, EPOCH_0), offsetForTime(consumer, 3_500));
            assertNull(offsetForTime(consumer, 9_001));
        }
    }

    @Test
    void maxTimestampIsTheRecordWithTheLargestTimestamp() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            ListOffsetsResultInfo max = admin.listOffsets(Map.of(PARTITION, OffsetSpec.maxTimestamp())).partitionResult(PARTITION).get();
            ListOffsetsResultInfo earliest = admin.listOffsets(Map.of(PARTITION, OffsetSpec.earliest())).partitionResult(PARTITION).get();
            ListOffsetsResultInfo latest = admin.listOffsets(Map.of(PARTITION, OffsetSpec.latest())).partitionResult(PARTITION).get();

            assertEquals(3, max.offset());
            assertEquals(9_000, max.timestamp());
            assertEquals(0, earliest.offset());
            assertEquals(TIMESTAMPS.length, latest.offset());
        }
    }

    @Test
    void earliestLocalIsTheLogStartAndLatestTieredIsNoOffsetSinceThereIsNoRemoteTier() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            ListOffsetsResultInfo earliestLocal = admin.listOffsets(Map.of(PARTITION, OffsetSpec.earliestLocal())).partitionResult(PARTITION).get();
            ListOffsetsResultInfo latestTiered = admin.listOffsets(Map.of(PARTITION, OffsetSpec.latestTiered())).partitionResult(PARTITION).get();

            assertEquals(0, earliestLocal.offset());
            assertEquals(-1, latestTiered.offset());
        }
    }

    @Test
    void offsetsContinueAfterARestartOnTheSameDataDirectory() {
        broker.restart();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            assertEquals(Map.of(PARTITION, (long) TIMESTAMPS.length), consumer.endOffsets(List.of(PARTITION), Duration.ofSeconds(10)));
            assertEquals(new OffsetAndTimestamp(3, 9_000, EPOCH_0), offsetForTime(consumer, 3_500));
        }
    }

    private static OffsetAndTimestamp offsetForTime(KafkaConsumer<byte[], byte[]> consumer, long timestamp) {
        return consumer.offsetsForTimes(Map.of(PARTITION, timestamp), Duration.ofSeconds(10)).get(PARTITION);
    }
}
