package io.spindle.broker.data;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OffsetsForLeaderEpoch against a real broker, raw and as kafka-clients' consumer sends it on its own (offset
 * validation, KIP-320): the single broker leads every partition at epoch 0, stamps it into every batch, and answers
 * where epochs end from the log's leader epochs; a follower's fetch learns where its log diverged.
 */
class OffsetsForLeaderEpochTest {
    private static final String TOPIC = "epochs";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final int RECORDS = 5;

    @TempDir
    Path dataDir;
    private LocalBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
        broker.createTopic(TOPIC, 1);
        produce(0, RECORDS);
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private void produce(int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    static Stream<Short> versions() {
        return IntStream.rangeClosed(ApiKeys.OFFSET_FOR_LEADER_EPOCH.oldestVersion(),
                ApiKeys.OFFSET_FOR_LEADER_EPOCH.latestVersion()).mapToObj(v -> (short) v);
    }

    private EpochEndOffset ask(short version, String topic, int currentLeaderEpoch, int leaderEpoch) throws Exception {
        OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
        topics.add(new OffsetForLeaderTopic().setTopic(topic).setPartitions(List.of(new OffsetForLeaderPartition()
                .setPartition(0).setCurrentLeaderEpoch(currentLeaderEpoch).setLeaderEpoch(leaderEpoch))));
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            // Version 2 has no replica_id; from 3 a consumer sends -1.
            OffsetForLeaderEpochRequestData data = new OffsetForLeaderEpochRequestData().setTopics(topics);
            if (version >= 3) {
                data.setReplicaId(OffsetsForLeaderEpochRequest.CONSUMER_REPLICA_ID);
            }
            OffsetsForLeaderEpochResponse response = raw.roundTrip(new OffsetsForLeaderEpochRequest(data, version));
            return response.data().topics().find(topic).partitions().get(0);
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void everyVersionAnswersThatTheCurrentEpochEndsAtTheLogEnd(short version) throws Exception {
        EpochEndOffset answer = ask(version, TOPIC, 0, 0);

        assertEquals(Errors.NONE.code(), answer.errorCode());
        assertEquals(0, answer.leaderEpoch());
        assertEquals(RECORDS, answer.endOffset());
    }

    @Test
    void aNewerCurrentEpochIsUnknownAnEpochAboveTheLatestIsUndefinedAndAnUnknownTopicIsSaidSo() throws Exception {
        short latest = ApiKeys.OFFSET_FOR_LEADER_EPOCH.latestVersion();

        assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(), ask(latest, TOPIC, 1, 0).errorCode());
        EpochEndOffset above = ask(latest, TOPIC, -1, 1);
        assertEquals(Errors.NONE.code(), above.errorCode());
        assertEquals(List.of(-1, -1L), List.of(above.leaderEpoch(), above.endOffset()));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), ask(latest, "no-such-topic", 0, 0).errorCode());
    }

    @Test
    void theEpochsAndTheirAnswersSurviveARestart() throws Exception {
        broker.restart();
        produce(RECORDS, 2);

        EpochEndOffset answer = ask(ApiKeys.OFFSET_FOR_LEADER_EPOCH.latestVersion(), TOPIC, 0, 0);
        assertEquals(List.of(0, RECORDS + 2L), List.of(answer.leaderEpoch(), answer.endOffset()));
    }

    @Test
    void consumersSeeEpochZeroOnRecordsAndOnListedOffsets() throws Exception {
        try (Admin admin = broker.admin()) {
            ListOffsetsResultInfo latest = admin.listOffsets(Map.of(PARTITION, OffsetSpec.latest())).partitionResult(PARTITION).get();
            ListOffsetsResultInfo earliest = admin.listOffsets(Map.of(PARTITION, OffsetSpec.earliest())).partitionResult(PARTITION).get();
            assertEquals(Optional.of(0), latest.leaderEpoch());
            assertEquals(Optional.of(0), earliest.leaderEpoch());
        }
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(PARTITION));
            consumer.seekToBeginning(List.of(PARTITION));
            List<ConsumerRecord<byte[], byte[]>> records = pollAtLeast(consumer, RECORDS);
            assertTrue(records.stream().allMatch(r -> r.leaderEpoch().equals(Optional.of(0))), records.toString());
        }
    }

    @Test
    void aConsumerResumingACommittedPositionValidatesItWithTheBrokerAndKeepsIt() throws Exception {
        Map<String, Object> group = Map.of(ConsumerConfig.GROUP_ID_CONFIG, "resumers",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> first = broker.consumer(group)) {
            first.subscribe(List.of(TOPIC));
            pollAtLeast(first, RECORDS);
            first.commitSync();
        }
        produce(RECORDS, 3);

        try (KafkaConsumer<byte[], byte[]> second = broker.consumer(group)) {
            second.subscribe(List.of(TOPIC));
            List<ConsumerRecord<byte[], byte[]>> records = pollAtLeast(second, 3);
            // A validation the broker answered wrongly would reset the position to the earliest offset (0).
            assertEquals(List.of(5L, 6L, 7L), records.stream().map(ConsumerRecord::offset).toList());
        }
        Counter asked = broker.broker().metrics().registry().find("spindle.requests")
                .tag("api", ApiKeys.OFFSET_FOR_LEADER_EPOCH.name).counter();
        assertTrue(asked != null && asked.count() >= 1, "the consumer validated its committed position");
        assertEquals(null, broker.broker().metrics().registry().find("spindle.request.errors")
                .tag("api", ApiKeys.OFFSET_FOR_LEADER_EPOCH.name).counter(), "and no answer was an error");
    }

    @Test
    void aFollowerFetchPastTheEndOfItsLastEpochHereIsToldWhereThatEpochEndsAndGetsNoRecords() throws Exception {
        Uuid topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            PartitionData diverged = fetchAfterEpoch(raw, topicId, 7, 0);
            assertEquals(Errors.NONE.code(), diverged.errorCode());
            assertEquals(List.of(0, (long) RECORDS),
                    List.of(diverged.divergingEpoch().epoch(), diverged.divergingEpoch().endOffset()));
            assertEquals(0, FetchResponse.recordsOrFail(diverged).sizeInBytes());

            PartitionData onTrack = fetchAfterEpoch(raw, topicId, 3, 0);
            assertEquals(Errors.NONE.code(), onTrack.errorCode());
            assertEquals(-1, onTrack.divergingEpoch().epoch());
            assertTrue(FetchResponse.recordsOrFail(onTrack).sizeInBytes() > 0);
        }
    }

    /** A fetch at {@code offset} by one whose last batch has leader epoch {@code lastFetchedEpoch}, as a follower's. */
    private static PartitionData fetchAfterEpoch(RawKafkaConnection raw, Uuid topicId, long offset,
                                                 int lastFetchedEpoch) throws Exception {
        FetchRequest request = KafkaRequests.fetch(KafkaRequests.FETCH_LATEST, TOPIC, topicId, 0, offset, 0, 0);
        request.data().topics().get(0).partitions().get(0).setLastFetchedEpoch(lastFetchedEpoch);
        FetchResponse response = raw.roundTrip(request);
        return KafkaRequests.onlyPartition(response);
    }

    private static List<ConsumerRecord<byte[], byte[]>> pollAtLeast(KafkaConsumer<byte[], byte[]> consumer, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            return records.size() >= count;
        });
        return records;
    }
}
