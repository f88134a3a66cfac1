package io.spindle.broker.data;

import static io.spindle.broker.data.KafkaRequests.onlyPartition;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetch: long polls, limits, sessions, topic ids and out-of-range offsets. */
class FetchRequestTest {
    private static final String TOPIC = "fetched";

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Uuid topicId;

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
        broker.createTopic(TOPIC, 1);
        topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void aWaitingFetchIsAnsweredByTheAppendThatBringsData() throws Exception {
        try (RawKafkaConnection fetcher = client(); RawKafkaConnection producer = client()) {
            long started = System.nanoTime();
            CompletableFuture<FetchResponse> waiting = sendAsync(fetcher,
                    KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, topicId, 0, 0, 30_000, 1));
            // Parked: with nothing to read it would not be answered before max wait.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());

            ProduceResponse produced = producer.roundTrip(KafkaRequests.produce(TOPIC, 0, batch("wake up")));
            assertEquals(Errors.NONE.code(), onlyPartition(produced).errorCode());

            FetchResponse response = waiting.get(10, TimeUnit.SECONDS);
            assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 15, "answered long before max wait");
            assertEquals(List.of("wake up"), values(onlyPartition(response)));
        }
    }

    @Test
    void aFetchWithNothingToReadIsAnsweredEmptyWhenMaxWaitPasses() throws Exception {
        try (RawKafkaConnection fetcher = client()) {
            long started = System.nanoTime();
            FetchResponse response = fetcher.roundTrip(KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, topicId, 0, 0, 300, 1));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            PartitionData partition = onlyPartition(response);
            assertEquals(Errors.NONE.code(), partition.errorCode());
            assertEquals(0, FetchResponse.recordsSize(partition));
            assertEquals(0, partition.highWatermark());
            assertTrue(elapsedMs >= 290, "answered after " + elapsedMs + " ms, before max wait");
        }
    }

    @Test
    void minBytesHoldsTheFetchUntilEnoughBytesHaveArrived() throws Exception {
        try (RawKafkaConnection fetcher = client(); RawKafkaConnection producer = client()) {
            CompletableFuture<FetchResponse> waiting = sendAsync(fetcher,
                    KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, topicId, 0, 0, 30_000, 2_000));
            producer.roundTrip(KafkaRequests.produce(TOPIC, 0, batch("small")));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());

            producer.roundTrip(KafkaRequests.produce(TOPIC, 0, batch("x".repeat(3_000))));

            FetchResponse response = waiting.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("small", "x".repeat(3_000)), values(onlyPartition(response)));
        }
    }

    @Test
    void theResponseCarriesHighWatermarkLastStableOffsetAndLogStartOffset() throws Exception {
        try (RawKafkaConnection client = client()) {
            client.roundTrip(KafkaRequests.produce(TOPIC, 0, batch("a", "b", "c")));

            PartitionData partition = onlyPartition((FetchResponse) client.roundTrip(
                    KafkaRequests.fetch(KafkaRequests.FETCH_BY_NAME, TOPIC, Uuid.ZERO_UUID, 0, 1, 0, 1)));

            assertEquals(Errors.NONE.code(), partition.errorCode());
            assertEquals(3, partition.highWatermark());
            assertEquals(3, partition.lastStableOffset());
            assertEquals(0, partition.logStartOffset());
            // The whole batch holding offset 1 comes back, as Kafka does; the consumer skips offset 0.
            assertEquals(List.of("a", "b", "c"), values(partition));
        }
    }

    @Test
    void fullFetchesAreAnsweredWithoutASessionAndIncrementalOnesWithFetchSessionIdNotFound() throws Exception {
        try (RawKafkaConnection client = client()) {
            FetchResponse full = client.roundTrip(KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, topicId, 0, 0, 0, 1, 0, 0));
            FetchResponse incremental = client.roundTrip(KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, topicId, 0, 0, 0, 1, 12345, 1));

            assertEquals(Errors.NONE, full.error());
            assertEquals(0, full.sessionId());
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND, incremental.error());
        }
    }

    @Test
    void aFetchByAnUnknownTopicIdIsAnsweredUnknownTopicIdAndAnUnknownPartitionUnknownTopicOrPartition() throws Exception {
        try (RawKafkaConnection client = client()) {
            PartitionData unknownId = onlyPartition((FetchResponse) client.roundTrip(
                    KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, Uuid.randomUuid(), 0, 0, 5_000, 1)));
            PartitionData unknownPartition = onlyPartition((FetchResponse) client.roundTrip(
                    KafkaRequests.fetch(KafkaRequests.FETCH_BY_NAME, TOPIC, Uuid.ZERO_UUID, 9, 0, 5_000, 1)));

            assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), unknownId.errorCode());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), unknownPartition.errorCode());
        }
    }

    @Test
    void aFetchPastTheLogEndIsAnsweredOffsetOutOfRangeAtOnce() throws Exception {
        try (RawKafkaConnection client = client()) {
            PartitionData partition = onlyPartition((FetchResponse) client.roundTrip(
                    KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, topicId, 0, 5, 30_000, 1)));

            assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), partition.errorCode());
        }
    }

    @Test
    void aConsumerSeekingPastTheEndWithAutoOffsetResetNoneGetsOffsetOutOfRangeException() throws Exception {
        produce(3);
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, 10);

            OffsetOutOfRangeException failure = assertThrows(OffsetOutOfRangeException.class, () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200));
                }
            });
            assertEquals(Map.of(partition, 10L), failure.offsetOutOfRangePartitions());
        }
    }

    @Test
    void aReadCommittedConsumerReadsToTheLogEndSinceEveryOffsetIsStable() throws Exception {
        produce(50);
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (records.size() < 50 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(50, records.size());
            assertEquals(50L, consumer.endOffsets(List.of(partition)).get(partition));
        }
    }

    private void produce(int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, ("r" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    private RawKafkaConnection client() throws IOException {
        return new RawKafkaConnection(broker.host(), broker.port());
    }

    private static CompletableFuture<FetchResponse> sendAsync(RawKafkaConnection client, FetchRequest request) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.roundTrip(request);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static MemoryRecords batch(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    private static List<String> values(PartitionData partition) {
        List<String> values = new ArrayList<>();
        for (Record record : FetchResponse.recordsOrFail(partition).records()) {
            values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
        }
        return values;
    }
}
