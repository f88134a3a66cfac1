package io.spindle.broker.data;

import static io.spindle.broker.data.KafkaRequests.onlyPartition;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Produce requests sent byte for byte on a raw socket: retries, corrupt batches, refused features. */
class ProduceRequestTest {
    private static final String TOPIC = "raw";

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private RawKafkaConnection client;

    @BeforeEach
    void start() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.FLUSH_MODE, "fsync"));
        broker.createTopic(TOPIC, 1);
        client = new RawKafkaConnection(broker.host(), broker.port());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        broker.close();
    }

    @Test
    void aRetriedIdempotentBatchIsAnsweredWithItsOriginalOffsetAndStoredOnce() throws Exception {
        InitProducerIdResponse init = client.roundTrip(KafkaRequests.initProducerId(null));
        assertEquals(Errors.NONE, init.error());
        long producerId = init.data().producerId();
        assertEquals(0, init.data().producerEpoch());

        PartitionProduceResponse first = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, idempotentBatch(producerId, 0, "a", "b", "c"))));
        // The same batch again, as a producer resends it when the first response was lost.
        PartitionProduceResponse retry = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, idempotentBatch(producerId, 0, "a", "b", "c"))));
        PartitionProduceResponse next = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, idempotentBatch(producerId, 3, "d"))));

        assertEquals(Errors.NONE.code(), first.errorCode());
        assertEquals(0, first.baseOffset());
        assertEquals(0, first.logStartOffset());
        assertEquals(-1, first.logAppendTimeMs(), "the topic keeps the producer's create time");
        assertEquals(Errors.NONE.code(), retry.errorCode());
        assertEquals(0, retry.baseOffset());
        assertEquals(Errors.NONE.code(), next.errorCode());
        assertEquals(3, next.baseOffset());
        assertEquals(List.of("a", "b", "c", "d"), valuesFrom(0));
    }

    @Test
    void aSequenceGapIsAnsweredOutOfOrderSequenceNumber() throws Exception {
        long producerId = ((InitProducerIdResponse) client.roundTrip(KafkaRequests.initProducerId(null))).data().producerId();
        client.roundTrip(KafkaRequests.produce(TOPIC, 0, idempotentBatch(producerId, 0, "a")));

        PartitionProduceResponse gap = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, idempotentBatch(producerId, 5, "f"))));

        assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), gap.errorCode());
        assertEquals(List.of("a"), valuesFrom(0));
    }

    @Test
    void aBatchWithACorruptCrcIsAnsweredCorruptMessageAndTheConnectionKeepsServing() throws Exception {
        MemoryRecords corrupt = plainBatch("damaged");
        ByteBuffer bytes = corrupt.buffer();
        int last = bytes.limit() - 1;
        bytes.put(last, (byte) (bytes.get(last) ^ 0x5A));

        PartitionProduceResponse refused = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, MemoryRecords.readableRecords(bytes))));
        PartitionProduceResponse accepted = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, plainBatch("intact"))));

        assertEquals(Errors.CORRUPT_MESSAGE.code(), refused.errorCode());
        assertEquals(Errors.NONE.code(), accepted.errorCode());
        assertEquals(0, accepted.baseOffset());
        assertEquals(List.of("intact"), valuesFrom(0));
    }

    @Test
    void twoBatchesForOnePartitionAreAnsweredInvalidRecordAsKafkaDoes() throws Exception {
        ByteBuffer first = plainBatch("one").buffer();
        ByteBuffer second = plainBatch("two").buffer();
        ByteBuffer both = ByteBuffer.allocate(first.remaining() + second.remaining()).put(first).put(second).flip();

        PartitionProduceResponse refused = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, MemoryRecords.readableRecords(both))));

        assertEquals(Errors.INVALID_RECORD.code(), refused.errorCode());
    }

    @Test
    void producingToAnUnknownTopicIsAnsweredUnknownTopicOrPartitionAndCreatesNothing() throws Exception {
        PartitionProduceResponse unknownTopic = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce("no-such-topic", 0, plainBatch("x"))));
        PartitionProduceResponse unknownPartition = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 7, plainBatch("x"))));

        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), unknownTopic.errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), unknownPartition.errorCode());
        assertTrue(broker.broker().topics().topic("no-such-topic").isEmpty());
    }

    @Test
    void produceVersion13NamesTheTopicByIdAndAnUnknownIdIsAnsweredUnknownTopicId() throws Exception {
        Uuid topicId = broker.broker().topics().topic(TOPIC).orElseThrow().id();

        ProduceResponse known = client.roundTrip(KafkaRequests.produceById(topicId, 0, plainBatch("by-id")));
        ProduceResponse unknown = client.roundTrip(KafkaRequests.produceById(Uuid.randomUuid(), 0, plainBatch("lost")));

        assertEquals(topicId, known.data().responses().iterator().next().topicId());
        assertEquals(Errors.NONE.code(), onlyPartition(known).errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), onlyPartition(unknown).errorCode());
        assertEquals(List.of("by-id"), valuesFrom(0));
    }

    @Test
    void aTransactionalBatchOfVersionTenForAPartitionNotAddedToTheTransactionIsRefusedWithInvalidTxnState() throws Exception {
        InitProducerIdResponse init = client.roundTrip(KafkaRequests.initProducerId("tx-1"));
        MemoryRecords transactional = MemoryRecords.withTransactionalRecords(Compression.NONE, init.data().producerId(),
                init.data().producerEpoch(), 0, records("tx"));
        // Version 10: a transaction version 1 write, which must find its partition added (from v12 it adds it).
        PartitionProduceResponse produce = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce((short) 10, TOPIC, 0, transactional, (short) -1, "tx-1")));

        assertEquals(Errors.NONE, init.error());
        assertEquals(Errors.INVALID_TXN_STATE.code(), produce.errorCode());
        assertEquals(List.of(), valuesFrom(0));
    }

    @Test
    void aControlBatchFromAClientIsRefusedWithInvalidRecord() throws Exception {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(0L, 0L, 0, 7L, (short) 0,
                new EndTransactionMarker(ControlRecordType.COMMIT, 0));
        PartitionProduceResponse produce = onlyPartition((ProduceResponse) client.roundTrip(
                KafkaRequests.produce(TOPIC, 0, marker, (short) -1, null)));

        assertEquals(Errors.INVALID_RECORD.code(), produce.errorCode());
    }

    @Test
    void initProducerIdHandsOutADifferentIdEachTime() throws Exception {
        long first = ((InitProducerIdResponse) client.roundTrip(KafkaRequests.initProducerId(null))).data().producerId();
        long second = ((InitProducerIdResponse) client.roundTrip(KafkaRequests.initProducerId(null))).data().producerId();

        assertNotEquals(first, second);
    }

    @Test
    void acksZeroGetsNoResponseButTheBatchIsAppended() throws Exception {
        client.sendOneWay(KafkaRequests.produce(TOPIC, 0, plainBatch("fire-and-forget"), (short) 0, null));
        // Every response read on this connection from now on is a fetch's (correlation ids are checked when
        // parsing): the acks=0 produce was answered with nothing. It is appended concurrently with the fetches.
        await().atMost(Duration.ofSeconds(10)).until(() -> valuesFrom(0), equalTo(List.of("fire-and-forget")));
    }

    private List<String> valuesFrom(long offset) throws Exception {
        FetchResponse response = client.roundTrip(KafkaRequests.fetch(KafkaRequests.FETCH_BY_NAME, TOPIC, Uuid.ZERO_UUID, 0, offset, 0, 1));
        List<String> values = new ArrayList<>();
        for (Record record : FetchResponse.recordsOrFail(onlyPartition(response)).records()) {
            values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
        }
        return values;
    }

    private static MemoryRecords idempotentBatch(long producerId, int baseSequence, String... values) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, baseSequence, records(values));
    }

    private static MemoryRecords plainBatch(String... values) {
        return MemoryRecords.withRecords(Compression.NONE, records(values));
    }

    private static SimpleRecord[] records(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }
}
