package io.spindle.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.RawKafkaConnection;
import io.spindle.txn.TransactionMetadata;
import io.spindle.txn.TransactionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.SupportedVersionRange;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transaction version 2 (KIP-890 part 2) end to end with kafka-clients 4.4.0, which uses it when the broker finalizes
 * {@code transaction.version} 2; and the same client pinned to version 1 by the broker setting.
 */
class TransactionVersionTwoTest {
    private static final String TOPIC = "ledger";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private final List<AutoCloseable> clients = new ArrayList<>();

    private void start(String transactionVersion) {
        broker = LocalBroker.start(dataDir, transactionVersion == null ? Map.of()
                : Map.of(BrokerConfig.TRANSACTION_VERSION, transactionVersion));
        broker.createTopic(TOPIC, 2);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void apiVersionsFinalizesTransactionVersionTwoByDefaultAndTheSettingPinsIt() throws Exception {
        start(null);
        FeatureMetadata offered = admin().describeFeatures().featureMetadata().get();
        broker.close();
        broker = LocalBroker.start(dataDir.resolve("pinned"), Map.of(BrokerConfig.TRANSACTION_VERSION, "1"));
        FeatureMetadata pinned = admin().describeFeatures().featureMetadata().get();

        assertEquals(new SupportedVersionRange((short) 0, (short) 2), offered.supportedFeatures().get("transaction.version"));
        assertEquals(new FinalizedVersionRange((short) 2, (short) 2), offered.finalizedFeatures().get("transaction.version"));
        assertEquals(new FinalizedVersionRange((short) 1, (short) 1), pinned.finalizedFeatures().get("transaction.version"));
    }

    @Test
    void everyCommittedTransactionBumpsTheEpochSeenByDescribeProducersAndDescribeTransactions() throws Exception {
        start(null);
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-bumps");
        producer.initTransactions();
        for (int i = 0; i < 3; i++) {
            producer.beginTransaction();
            producer.send(record(0, "v" + i));
            producer.send(record(1, "w" + i));
            producer.commitTransaction();
        }

        TransactionDescription described = admin().describeTransactions(List.of("tx-bumps")).description("tx-bumps").get();
        assertEquals(3, described.producerEpoch());
        await().atMost(Duration.ofSeconds(10)).until(() -> producerEpochAt(P0) == 3 && producerEpochAt(P1) == 3);
        assertEquals(List.of("v0", "v1", "v2", "w0", "w1", "w2"), readCommitted(6));
    }

    @Test
    void anAbortedTransactionsRecordsStayInvisibleAndTheProducerGoesOnAtTheNextEpoch() throws Exception {
        start(null);
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-abort");
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "dropped"));
        producer.flush();
        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(record(0, "kept"));
        producer.commitTransaction();

        assertEquals(List.of("kept"), readCommitted(1));
        assertEquals(2, producerEpochAt(P0));
    }

    @Test
    void aZombieWithTheSameTransactionalIdIsFencedAndItsTransactionAborted() throws Exception {
        start(null);
        KafkaProducer<byte[], byte[]> zombie = transactionalProducer("tx-zombie");
        zombie.initTransactions();
        zombie.beginTransaction();
        zombie.send(record(0, "zombie")).get();
        KafkaProducer<byte[], byte[]> successor = transactionalProducer("tx-zombie");
        successor.initTransactions();
        successor.beginTransaction();
        successor.send(record(0, "successor"));
        successor.commitTransaction();

        KafkaException fenced = assertThrows(KafkaException.class, zombie::commitTransaction);
        assertTrue(fenced instanceof ProducerFencedException || fenced.getCause() instanceof ProducerFencedException,
                fenced.toString());
        assertEquals(List.of("successor"), readCommitted(1));
    }

    @Test
    void aLateWriteOfAnEndedTransactionIsRefusedAndAVersionOneWriteOutsideItIsAbortable() throws Exception {
        start(null);
        try (RawKafkaConnection raw = new RawKafkaConnection(broker.host(), broker.port())) {
            InitProducerIdResponse init = raw.roundTrip(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                    .setTransactionalId("tx-raw").setTransactionTimeoutMs(60_000)
                    .setProducerId(-1L).setProducerEpoch((short) -1)).build((short) 5));
            long producerId = init.data().producerId();
            short epoch = init.data().producerEpoch();

            Errors inTransaction = produce(raw, (short) 12, P0, producerId, epoch, 0, "in");
            EndTxnResponse ended = raw.roundTrip(new EndTxnRequest.Builder(new EndTxnRequestData()
                    .setTransactionalId("tx-raw").setProducerId(producerId).setProducerEpoch(epoch).setCommitted(true),
                    true).build((short) 5));
            await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("tx-raw") == TransactionState.COMPLETE_COMMIT);
            Errors late = produce(raw, (short) 12, P0, producerId, epoch, 1, "late");
            Errors outsideV11 = produce(raw, (short) 11, P1, producerId, ended.data().producerEpoch(), 0, "outside");

            assertEquals(Errors.NONE, inTransaction);
            assertEquals(Errors.NONE, ended.error());
            assertEquals(producerId, ended.data().producerId());
            assertEquals(epoch + 1, ended.data().producerEpoch());
            assertEquals(Errors.INVALID_PRODUCER_EPOCH, late);
            assertEquals(Errors.TRANSACTION_ABORTABLE, outsideV11);
        }
        assertEquals(List.of("in"), readUncommitted(1));
    }

    @Test
    void consumeTransformProduceCommitsItsOffsetsWithTheTransactionAndAnAbortLeavesThemAlone() throws Exception {
        start(null);
        broker.createTopic("input", 1);
        try (KafkaProducer<byte[], byte[]> plain = broker.producer(Map.of())) {
            for (int i = 0; i < 4; i++) {
                plain.send(new ProducerRecord<>("input", 0, null, bytes("in-" + i))).get();
            }
        }
        KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "transformers",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        clients.add(consumer);
        consumer.subscribe(List.of("input"));
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-transform");
        producer.initTransactions();

        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(batch::add);
            return batch.size() >= 4;
        });
        producer.beginTransaction();
        for (ConsumerRecord<byte[], byte[]> in : batch) {
            producer.send(record(0, new String(in.value(), StandardCharsets.UTF_8).replace("in", "out")));
        }
        producer.sendOffsetsToTransaction(Map.of(new TopicPartition("input", 0), new OffsetAndMetadata(4)),
                consumer.groupMetadata());
        producer.commitTransaction();
        await().atMost(Duration.ofSeconds(10)).until(() -> committedOffsets("transformers")
                .equals(Map.of(new TopicPartition("input", 0), 4L)));

        producer.beginTransaction();
        producer.send(record(0, "out-never"));
        producer.sendOffsetsToTransaction(Map.of(new TopicPartition("input", 0), new OffsetAndMetadata(9)),
                consumer.groupMetadata());
        producer.abortTransaction();
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("tx-transform") == TransactionState.COMPLETE_ABORT);

        assertEquals(Map.of(new TopicPartition("input", 0), 4L), committedOffsets("transformers"));
        assertEquals(List.of("out-0", "out-1", "out-2", "out-3"), readCommitted(4));
        assertEquals(2, admin().describeTransactions(List.of("tx-transform")).description("tx-transform").get()
                .producerEpoch());
    }

    @Test
    void aBrokerPinnedToVersionOneServesTheSameClientWithoutBumpingTheEpoch() throws Exception {
        start("1");
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-v1");
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "one"));
        producer.sendOffsetsToTransaction(Map.of(P1, new OffsetAndMetadata(7)),
                new ConsumerGroupMetadata("v1-group"));
        producer.commitTransaction();
        producer.beginTransaction();
        producer.send(record(0, "dropped"));
        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(record(1, "two"));
        producer.commitTransaction();

        assertEquals(List.of("one", "two"), readCommitted(2));
        assertEquals(0, producerEpochAt(P0));
        assertEquals(0, admin().describeTransactions(List.of("tx-v1")).description("tx-v1").get().producerEpoch());
        assertEquals(Map.of(P1, 7L), committedOffsets("v1-group"));
    }

    // ------------------------------------------------------------------ helpers

    private Admin admin() {
        Admin admin = broker.admin();
        clients.add(admin);
        return admin;
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
        clients.add(producer);
        return producer;
    }

    private TransactionState stateOf(String transactionalId) {
        return broker.broker().transactionCoordinator().describe(transactionalId).map(TransactionMetadata::state)
                .orElseThrow();
    }

    private int producerEpochAt(TopicPartition partition) throws Exception {
        return admin().describeProducers(List.of(partition)).partitionResult(partition).get()
                .activeProducers().get(0).producerEpoch();
    }

    private Map<TopicPartition, Long> committedOffsets(String group) throws Exception {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, offset) -> {
            if (offset != null) {
                offsets.put(tp, offset.offset());
            }
        });
        return offsets;
    }

    /** One transactional batch on a raw connection; the partition's error. */
    private static Errors produce(RawKafkaConnection raw, short version, TopicPartition tp, long producerId, short epoch,
                                  int sequence, String value) throws Exception {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, sequence,
                new SimpleRecord(bytes(value)));
        TopicProduceData topic = new TopicProduceData().setName(tp.topic())
                .setPartitionData(List.of(new PartitionProduceData().setIndex(tp.partition()).setRecords(records)));
        ProduceResponse response = raw.roundTrip(new ProduceRequest(new ProduceRequestData().setAcks((short) -1)
                .setTimeoutMs(30_000).setTransactionalId("tx-raw")
                .setTopicData(new TopicProduceDataCollection(List.of(topic).iterator())), version));
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    private List<String> readCommitted(int count) {
        return read("read_committed", count);
    }

    private List<String> readUncommitted(int count) {
        return read("read_uncommitted", count);
    }

    /** The values of both partitions from the start (partition 0 first), read until {@code count} arrived. */
    private List<String> read(String isolation, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(P0, P1));
            consumer.seekToBeginning(List.of(P0, P1));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
                polled.forEach(records::add);
                return records.size() >= count;
            });
            consumer.poll(Duration.ofMillis(300)).forEach(records::add);   // whatever a wrong broker would add
            List<String> values = new ArrayList<>();
            records.stream().filter(r -> r.partition() == 0).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            records.stream().filter(r -> r.partition() == 1).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            return values;
        }
    }

    private static ProducerRecord<byte[], byte[]> record(int partition, String value) {
        return new ProducerRecord<>(TOPIC, partition, null, bytes(value));
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
