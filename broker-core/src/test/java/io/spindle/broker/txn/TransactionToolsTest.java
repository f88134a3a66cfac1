package io.spindle.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.fixtures.RawKafkaConnection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.TransactionsCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What kafka-transactions.sh does through kafka-clients 4.4.0's Admin: describe-producers (DescribeProducers),
 * find-hanging (DescribeProducers with ListTransactions and DescribeTransactions) and abort (DescribeProducers, then
 * WriteTxnMarkers to the partition's leader), against an in-process broker; and the command itself
 * (kafka-tools' TransactionsCommand).
 */
class TransactionToolsTest {
    private static final String TOPIC = "ledger";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dataDir;
    private LocalBroker broker;
    private Admin admin;
    private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();

    @BeforeEach
    void start() {
        broker = LocalBroker.start(dataDir);
        broker.createTopic(TOPIC, 1);
        admin = broker.admin();
    }

    @AfterEach
    void stop() {
        producers.forEach(p -> p.close(Duration.ZERO));
        broker.close();
    }

    @Test
    void describeProducersShowsAnIdempotentAndATransactionalProducer() throws Exception {
        KafkaProducer<byte[], byte[]> idempotent = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        for (int i = 0; i < 3; i++) {
            idempotent.send(new ProducerRecord<>(TOPIC, 0, 1_000L + i, null, bytes("plain-" + i))).get();
        }
        KafkaProducer<byte[], byte[]> transactional = transactionalProducer("tx-described");
        transactional.initTransactions();
        transactional.beginTransaction();
        transactional.send(new ProducerRecord<>(TOPIC, 0, 5_000L, null, bytes("open"))).get();
        long transactionalId = admin.describeTransactions(List.of("tx-described")).description("tx-described").get()
                .producerId();

        List<ProducerState> open = describe(P0);

        assertEquals(2, open.size(), open.toString());
        ProducerState plain = open.stream().filter(p -> p.producerId() != transactionalId).findFirst().orElseThrow();
        assertEquals(0, plain.producerEpoch());
        assertEquals(2, plain.lastSequence());
        assertEquals(1_002L, plain.lastTimestamp());
        assertEquals(OptionalInt.empty(), plain.coordinatorEpoch());
        assertEquals(OptionalLong.empty(), plain.currentTransactionStartOffset());
        ProducerState txn = open.stream().filter(p -> p.producerId() == transactionalId).findFirst().orElseThrow();
        assertEquals(0, txn.producerEpoch());
        assertEquals(0, txn.lastSequence());
        assertEquals(5_000L, txn.lastTimestamp());
        assertEquals(OptionalInt.empty(), txn.coordinatorEpoch());
        assertEquals(OptionalLong.of(3L), txn.currentTransactionStartOffset());

        transactional.commitTransaction();
        await().atMost(Duration.ofSeconds(10)).until(() -> describe(P0).stream()
                .anyMatch(p -> p.producerId() == transactionalId && p.coordinatorEpoch().isPresent()));
        ProducerState committed = describe(P0).stream().filter(p -> p.producerId() == transactionalId)
                .findFirst().orElseThrow();
        assertEquals(OptionalInt.of(0), committed.coordinatorEpoch());
        assertEquals(OptionalLong.empty(), committed.currentTransactionStartOffset());
    }

    @Test
    void aHangingTransactionHoldsTheLastStableOffsetUntilTheAdminAbortsIt() throws Exception {
        KafkaProducer<byte[], byte[]> killed = transactionalProducer("tx-hanging");
        killed.initTransactions();
        killed.beginTransaction();
        killed.send(new ProducerRecord<>(TOPIC, 0, null, bytes("undecided-1")));
        killed.send(new ProducerRecord<>(TOPIC, 0, null, bytes("undecided-2")));
        killed.flush();
        killed.close(Duration.ZERO);    // gone without EndTxn: the transaction stays open until its timeout
        producer(Map.of()).send(new ProducerRecord<>(TOPIC, 0, null, bytes("after"))).get();

        assertEquals(0L, endOffset("read_committed"));
        assertEquals(3L, endOffset("read_uncommitted"));
        // find-hanging's view: a producer with an open transaction here, and the coordinator's side of it.
        ProducerState hanging = describe(P0).stream().filter(p -> p.currentTransactionStartOffset().isPresent())
                .findFirst().orElseThrow();
        assertEquals(OptionalLong.of(0L), hanging.currentTransactionStartOffset());
        List<TransactionListing> listed = new ArrayList<>(admin.listTransactions(new ListTransactionsOptions()
                .filterProducerIds(List.of(hanging.producerId()))).all().get());
        assertEquals(List.of("tx-hanging"), listed.stream().map(TransactionListing::transactionalId).toList());
        assertEquals(List.of(P0), List.copyOf(admin.describeTransactions(List.of("tx-hanging"))
                .description("tx-hanging").get().topicPartitions()));

        admin.abortTransaction(new AbortTransactionSpec(P0, hanging.producerId(), (short) hanging.producerEpoch(),
                hanging.coordinatorEpoch().orElse(-1))).all().get();

        assertEquals(4L, endOffset("read_committed"));
        assertEquals(OptionalLong.empty(), describe(P0).stream().filter(p -> p.producerId() == hanging.producerId())
                .findFirst().orElseThrow().currentTransactionStartOffset());
        assertEquals(List.of("after"), readCommitted(1));
    }

    @Test
    void kafkaTransactionsCommandDescribesFindsAndAbortsATransaction() throws Exception {
        KafkaProducer<byte[], byte[]> killed = transactionalProducer("tx-tool");
        killed.initTransactions();
        killed.beginTransaction();
        killed.send(new ProducerRecord<>(TOPIC, 0, null, bytes("undecided")));
        killed.flush();
        killed.close(Duration.ZERO);
        producer(Map.of()).send(new ProducerRecord<>(TOPIC, 0, null, bytes("after"))).get();

        String producers = kafkaTransactions("describe-producers", "--topic", TOPIC, "--partition", "0");
        String hanging = kafkaTransactions("find-hanging", "--topic", TOPIC);
        String aborted = kafkaTransactions("abort", "--topic", TOPIC, "--partition", "0", "--start-offset", "0");

        assertTrue(producers.lines().anyMatch(line -> line.matches("\\d+\\s+0\\s+-1\\s+0\\s+\\d+\\s+0\\s*")), producers);
        // Open, but its coordinator knows it holds this partition: not hanging.
        assertEquals(1, hanging.lines().count(), hanging);
        assertEquals("", aborted);
        assertEquals(3L, endOffset("read_committed"));
        assertEquals(List.of("after"), readCommitted(1));
        AssertionError nothingOpen = assertThrows(AssertionError.class, () -> kafkaTransactions("abort", "--topic", TOPIC,
                "--partition", "0", "--start-offset", "5"));
        assertTrue(nothingOpen.getMessage().contains("Could not find any open transactions starting at offset 5"),
                nothingOpen.getMessage());
    }

    @Test
    void producerStateIsRebuiltFromTheLogAtARestart() throws Exception {
        KafkaProducer<byte[], byte[]> committed = transactionalProducer("tx-committed");
        committed.initTransactions();
        committed.beginTransaction();
        committed.send(new ProducerRecord<>(TOPIC, 0, 7_000L, null, bytes("kept")));
        committed.commitTransaction();
        KafkaProducer<byte[], byte[]> killed = transactionalProducer("tx-open");
        killed.initTransactions();
        killed.beginTransaction();
        killed.send(new ProducerRecord<>(TOPIC, 0, 8_000L, null, bytes("undecided"))).get();
        killed.close(Duration.ZERO);
        List<ProducerState> before = describe(P0);

        producers.clear();
        broker.restart();
        admin = broker.admin();

        List<ProducerState> after = describe(P0);
        assertEquals(before, after);
        assertEquals(OptionalInt.of(0), after.get(0).coordinatorEpoch());
        assertEquals(OptionalLong.of(2L), after.get(1).currentTransactionStartOffset());
        assertEquals(8_000L, after.get(1).lastTimestamp());
    }

    @Test
    void anAbortWithAnOlderProducerEpochIsInvalidProducerEpoch() throws Exception {
        KafkaProducer<byte[], byte[]> zombie = transactionalProducer("tx-epochs");
        zombie.initTransactions();
        KafkaProducer<byte[], byte[]> current = transactionalProducer("tx-epochs");
        current.initTransactions();     // epoch 1
        current.beginTransaction();
        current.send(new ProducerRecord<>(TOPIC, 0, null, bytes("kept")));
        current.commitTransaction();    // transaction version 2: the commit's marker carries epoch 2
        ProducerState state = describe(P0).get(0);
        assertEquals(2, state.producerEpoch());

        ExecutionException stale = assertThrows(ExecutionException.class, () -> admin.abortTransaction(
                new AbortTransactionSpec(P0, state.producerId(), (short) 0, 0)).all().get());

        assertInstanceOf(InvalidProducerEpochException.class, stale.getCause());
        assertEquals(List.of("kept"), readCommitted(1));
    }

    @Test
    void anAbortFromAnOlderCoordinatorEpochIsFenced() throws Exception {
        KafkaProducer<byte[], byte[]> producer = transactionalProducer("tx-coordinator");
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, 0, null, bytes("kept")));
        producer.commitTransaction();
        ProducerState state = describe(P0).get(0);
        assertEquals(OptionalInt.of(0), state.coordinatorEpoch());

        ExecutionException fenced = assertThrows(ExecutionException.class, () -> admin.abortTransaction(
                new AbortTransactionSpec(P0, state.producerId(), (short) state.producerEpoch(), -1)).all().get());

        assertInstanceOf(TransactionCoordinatorFencedException.class, fenced.getCause());
    }

    @Test
    void unknownPartitionsAnswerUnknownTopicOrPartition() throws Exception {
        try (RawKafkaConnection raw = RawKafkaConnection.to(broker.bootstrapServers())) {
            DescribeProducersRequestData describe = new DescribeProducersRequestData();
            describe.topics().add(new DescribeProducersRequestData.TopicRequest().setName(TOPIC)
                    .setPartitionIndexes(List.of(0, 7)));
            describe.topics().add(new DescribeProducersRequestData.TopicRequest().setName("no-such-topic")
                    .setPartitionIndexes(List.of(0)));
            DescribeProducersResponse described = raw.roundTrip(new DescribeProducersRequest.Builder(describe).build((short) 0));

            WriteTxnMarkersRequestData markers = new WriteTxnMarkersRequestData();
            markers.markers().add(new WriteTxnMarkersRequestData.WritableTxnMarker().setProducerId(42L)
                    .setProducerEpoch((short) 0).setTransactionResult(false).setCoordinatorEpoch(0)
                    .setTopics(List.of(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName("no-such-topic")
                            .setPartitionIndexes(List.of(0)))));
            WriteTxnMarkersResponse written = raw.roundTrip(new WriteTxnMarkersRequest.Builder(markers).build((short) 1));

            List<DescribeProducersResponseData.PartitionResponse> ledger = described.data().topics().get(0).partitions();
            assertEquals(Errors.NONE.code(), ledger.get(0).errorCode());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), ledger.get(1).errorCode());
            assertTrue(ledger.get(1).errorMessage().contains("ledger-7"), ledger.get(1).errorMessage());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    described.data().topics().get(1).partitions().get(0).errorCode());
            assertEquals(Map.of(42L, Map.of(new TopicPartition("no-such-topic", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION)),
                    written.errorsByProducerId());
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Runs Kafka's kafka-transactions.sh (TransactionsCommand) with {@code args} against the broker and returns what
     * it printed; an exit with an error fails with what it printed on stderr.
     */
    private String kafkaTransactions(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = broker.bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        // The command ends with Exit.exit, also when it succeeds: stop it there instead of ending the JVM.
        Exit.setExitProcedure((code, message) -> {
            throw new Exited(code);
        });
        try {
            TransactionsCommand.main(all);
        } catch (Exited exited) {
            if (exited.code != 0) {
                throw new AssertionError("kafka-transactions.sh " + String.join(" ", args) + " exited " + exited.code
                        + ": " + err.toString(StandardCharsets.UTF_8));
            }
        } finally {
            Exit.resetExitProcedure();
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private List<ProducerState> describe(TopicPartition partition) throws Exception {
        List<ProducerState> states = new ArrayList<>(admin.describeProducers(List.of(partition)).partitionResult(partition)
                .get().activeProducers());
        states.sort(Comparator.comparingLong(ProducerState::producerId));
        return states;
    }

    private KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        KafkaProducer<byte[], byte[]> producer = broker.producer(overrides);
        producers.add(producer);
        return producer;
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        return producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 600_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000));
    }

    private long endOffset(String isolation) {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            return consumer.endOffsets(List.of(P0)).get(P0);
        }
    }

    /** The values a read_committed consumer reads from the start, until {@code count} arrived and one more poll. */
    private List<String> readCommitted(int count) {
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(List.of(P0));
            consumer.seekToBeginning(List.of(P0));
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= count;
            });
            consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            return values;
        }
    }

    /** TransactionsCommand called Exit.exit with {@code code}. */
    private static final class Exited extends RuntimeException {
        final int code;

        Exited(int code) {
            super("exit " + code, null, false, false);
            this.code = code;
        }
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
