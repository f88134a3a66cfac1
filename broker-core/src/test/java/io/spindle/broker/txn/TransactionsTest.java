package io.spindle.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.txn.TransactionMetadata;
import io.spindle.txn.TransactionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka transactions end to end: kafka-clients 4.4.0's transactional producer and read_committed /
 * read_uncommitted consumers against an in-process broker.
 */
class TransactionsTest {
    private static final String TOPIC = "payments";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir, Map.of(
                BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, "100"));
        broker.createTopic(TOPIC, 2);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            if (client instanceof KafkaProducer<?, ?> producer) {
                producer.close(Duration.ZERO);
            } else {
                client.close();
            }
        }
        broker.close();
    }

    @Test
    void committedRecordsOnTwoPartitionsReachReadCommittedConsumers() {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-commit", 60_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "a"));
        producer.send(record(1, "b"));
        producer.send(record(0, "c"));
        producer.commitTransaction();

        assertEquals(List.of("a", "c", "b"), readUntil("read_committed", 3));
    }

    @Test
    void abortedRecordsAreSkippedByReadCommittedButSeenByReadUncommitted() {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-abort", 60_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "aborted-1"));
        producer.send(record(0, "aborted-2"));
        producer.flush();
        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(record(0, "committed"));
        producer.commitTransaction();

        assertEquals(List.of("committed"), readUntil("read_committed", 1));
        assertEquals(List.of("aborted-1", "aborted-2", "committed"), readUntil("read_uncommitted", 3));
    }

    @Test
    void abortedRecordsStaySkippedAfterARestartSinceEachPartitionRebuildsItsAbortedTransactions() {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-abort-restart", 60_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "aborted"));
        producer.send(record(1, "aborted-too"));
        producer.flush();
        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(record(0, "committed"));
        producer.commitTransaction();
        producer.close(Duration.ZERO);

        broker.restart();

        assertEquals(List.of("committed"), readUntil("read_committed", 1));
        assertEquals(List.of("aborted", "committed", "aborted-too"), readUntil("read_uncommitted", 3));
    }

    @Test
    void abortedRecordsStaySkippedAfterARestartThatFindsTheTxnIndexOfTheirSealedSegmentGone() throws Exception {
        String topic = "sealed";
        broker.createTopic(topic, 1, Map.of("segment.bytes", "16384"));
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-lost-index", 60_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, 0, null, "aborted".getBytes(StandardCharsets.UTF_8)));
        producer.flush();
        producer.abortTransaction();
        List<String> committed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String value = i + "-" + "c".repeat(1000);
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, value.getBytes(StandardCharsets.UTF_8)));
            producer.commitTransaction();
            committed.add(value);
        }
        producer.close(Duration.ZERO);
        broker.close();
        Path partition = dataDir.resolve(topic + "-0");
        Path index = partition.resolve("00000000000000000000.txnindex");
        assertTrue(Files.exists(partition.resolve("00000000000000000000.seal")), "the abort's segment is sealed");
        assertTrue(Files.size(index) > 8, "the index holds the aborted transaction");
        Files.delete(index);

        broker = LocalBroker.start(dataDir, Map.of(
                BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, "100"));

        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> read = new ArrayList<>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
                return read.size() >= committed.size();
            });
            consumer.poll(Duration.ofMillis(300)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
            assertEquals(committed, read);
        }
        assertTrue(Files.size(index) > 8, "rebuilt from the segment's batches");
    }

    @Test
    void anOpenTransactionHoldsTheLastStableOffsetAtItsFirstRecordUntilItCommits() {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-open", 60_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "undecided"));
        producer.flush();

        assertEquals(0L, endOffset("read_committed", P0));
        assertEquals(1L, endOffset("read_uncommitted", P0));

        producer.commitTransaction();
        // The record and the COMMIT marker after it.
        await().atMost(Duration.ofSeconds(10)).until(() -> endOffset("read_committed", P0) == 2L);
        assertEquals(List.of("undecided"), readUntil("read_committed", 1));
    }

    @Test
    void aSecondProducerWithTheSameTransactionalIdFencesTheFirstAndAbortsItsTransaction() {
        KafkaProducer<byte[], byte[]> zombie = transactionalProducer("tx-fence", 60_000);
        zombie.initTransactions();
        zombie.beginTransaction();
        zombie.send(record(0, "zombie"));
        zombie.flush();

        KafkaProducer<byte[], byte[]> successor = transactionalProducer("tx-fence", 60_000);
        successor.initTransactions();
        successor.beginTransaction();
        successor.send(record(0, "successor"));
        successor.commitTransaction();

        assertThrows(ProducerFencedException.class, zombie::commitTransaction);
        assertEquals(List.of("successor"), readUntil("read_committed", 1));
        assertEquals(List.of("zombie", "successor"), readUntil("read_uncommitted", 2));
    }

    @Test
    void offsetsSentToACommittedTransactionBecomeTheGroupsAndThoseOfAnAbortedOneNever() throws Exception {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-offsets", 60_000);
        producer.initTransactions();
        ConsumerGroupMetadata group = new ConsumerGroupMetadata("billing");

        producer.beginTransaction();
        producer.send(record(1, "out-1"));
        producer.sendOffsetsToTransaction(Map.of(P0, new OffsetAndMetadata(5)), group);
        producer.flush();
        assertEquals(Map.of(), committedOffsets("billing"));
        producer.commitTransaction();
        await().atMost(Duration.ofSeconds(10)).until(() -> committedOffsets("billing").equals(Map.of(P0, 5L)));

        producer.beginTransaction();
        producer.send(record(1, "out-2"));
        producer.sendOffsetsToTransaction(Map.of(P0, new OffsetAndMetadata(9)), group);
        producer.abortTransaction();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.broker().transactionCoordinator()
                .describe("tx-offsets").map(TransactionMetadata::state).orElseThrow() == TransactionState.COMPLETE_ABORT);
        assertEquals(Map.of(P0, 5L), committedOffsets("billing"));
    }

    @Test
    void aTransactionOpenAtARestartIsReloadedAndAbortedWhenItTimesOut() {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-restart", 2_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "before-restart"));
        producer.flush();

        broker.restart();     // on a new port: the producer never reaches the new broker

        TransactionMetadata reloaded = broker.broker().transactionCoordinator().describe("tx-restart").orElseThrow();
        assertEquals(TransactionState.ONGOING, reloaded.state());
        assertEquals(Set.of(P0), reloaded.partitions());
        assertEquals(0L, endOffset("read_committed", P0), "the open transaction is rebuilt from the log");

        await().atMost(Duration.ofSeconds(20)).until(() -> endOffset("read_committed", P0) == 2L);
        assertEquals(TransactionState.COMPLETE_ABORT,
                broker.broker().transactionCoordinator().describe("tx-restart").orElseThrow().state());
        assertEquals(List.of("before-restart"), readUntil("read_uncommitted", 1));
        producer(0, "after");
        assertEquals(List.of("after"), readUntil("read_committed", 1));
    }

    @Test
    void aTransactionOpenLongerThanItsTimeoutIsAbortedAndItsProducerFenced() {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-timeout", 1_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(0, "too-slow"));
        producer.flush();

        await().atMost(Duration.ofSeconds(20)).until(() -> endOffset("read_committed", P0) == 2L);

        assertThrows(KafkaException.class, producer::commitTransaction);
        producer(0, "later");
        assertEquals(List.of("later"), readUntil("read_committed", 1));
    }

    @Test
    void aTransactionTimeoutAboveTheBrokersMaximumIsRefused() {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-too-long",
                broker.config().transactions().maxTimeoutMs() + 1);
        // kafka-clients reports INVALID_TRANSACTION_TIMEOUT as an unexpected error carrying the broker's message.
        KafkaException refused = assertThrows(KafkaException.class, producer::initTransactions);
        assertTrue(refused.getMessage().contains("transaction.max.timeout.ms"), refused.getMessage());
        assertFalse(broker.broker().transactionCoordinator().describe("tx-too-long").isPresent());
    }

    @Test
    void theAdminClientListsAndDescribesTransactions() throws Exception {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-described", 60_000);
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record(1, "open"));
        producer.flush();
        Admin admin = broker.admin();

        TransactionDescription description = admin.describeTransactions(List.of("tx-described"))
                .description("tx-described").get();
        List<String> listed = admin.listTransactions().all().get().stream()
                .map(listing -> listing.transactionalId() + ":" + listing.state()).toList();

        assertEquals("Ongoing", description.state().toString());
        assertEquals(Set.of(P1), description.topicPartitions());
        assertEquals(60_000, description.transactionTimeoutMs());
        assertEquals(List.of("tx-described:Ongoing"), listed);
        producer.commitTransaction();
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.describeTransactions(List.of("tx-described"))
                .description("tx-described").get().state().toString().equals("CompleteCommit"));
    }

    // ------------------------------------------------------------------ helpers

    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId, int timeoutMs) {
        KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
        clients.add(producer);
        return producer;
    }

    /** A non-transactional record, appended and acknowledged. */
    private void producer(int partition, String value) {
        KafkaProducer<byte[], byte[]> plain = broker.producer(Map.of());
        clients.add(plain);
        try {
            plain.send(record(partition, value)).get();
        } catch (Exception e) {
            throw new AssertionError("plain produce failed", e);
        }
    }

    private static ProducerRecord<byte[], byte[]> record(int partition, String value) {
        return new ProducerRecord<>(TOPIC, partition, null, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The values of both partitions from the start (partition 0 first), read until {@code count} arrived. */
    private List<String> readUntil(String isolation, int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(P0, P1));
            consumer.seekToBeginning(List.of(P0, P1));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return records.size() >= count;
            });
            // One more poll: whatever a wrong broker would add after the expected records shows up here.
            consumer.poll(Duration.ofMillis(300)).forEach(records::add);
            List<String> values = new ArrayList<>();
            records.stream().filter(r -> r.partition() == 0).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            records.stream().filter(r -> r.partition() == 1).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            return values;
        }
    }

    private long endOffset(String isolation, TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            return consumer.endOffsets(List.of(partition)).get(partition);
        }
    }

    private Map<TopicPartition, Long> committedOffsets(String group) throws Exception {
        Admin admin = broker.admin();
        Map<TopicPartition, Long> offsets = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                .forEach((tp, offset) -> {
                    if (offset != null) {
                        offsets.put(tp, offset.offset());
                    }
                });
        return offsets;
    }
}
