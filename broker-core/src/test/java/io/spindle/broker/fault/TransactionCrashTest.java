package io.spindle.broker.fault;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.CrashFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions across crashes of the broker (a child JVM, flush.mode=fsync) under load from several transactional
 * producers ({@link TransactionalFleet}): killed with SIGKILL, or killed and then the power cut ({@link CrashFs}: only
 * forced writes survive), and started again. The crashes cycle through the phases of a transaction: at a random moment
 * of the load (transactions open), as soon as a commit starts (EndTxn in flight: PrepareCommit being written), and as
 * soon as a commit is acknowledged (PrepareCommit durable, markers being written to the partitions).
 *
 * <p>Afterwards a read_committed consumer sees every transaction whose commit was acknowledged, each one whole, none
 * of an acknowledged abort, and of each uncertain one all or nothing ({@link TxnLedger}); and a transaction its
 * producer abandoned open does not hold the last stable offset for longer than its timeout.
 *
 * <p>Long runs: {@code mvn -o -pl broker-core verify -Plong -Dtest=TransactionCrashTest
 * -Dsurefire.failIfNoSpecifiedTests=false}. The power-loss cases are skipped where crashfs cannot run.
 */
class TransactionCrashTest {
    private static final String TOPIC = "txn-crash";
    private static final int PARTITIONS = 3;
    private static final int PRODUCERS = 3;
    private static final int RECORDS_PER_TXN = 6;
    private static final Map<String, String> SETTINGS = Map.of("log.segment.bytes", "131072",
            BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, "500");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void committedTransactionsSurviveSigkillsInEveryPhaseWholeAndAbortedOnesStayInvisible() throws Exception {
        kills(3, 20261206L);
    }

    @Test
    @Tag("long")
    void committedTransactionsSurviveFifteenSigkillsInEveryPhase() throws Exception {
        kills(15, 14L);
    }

    @Test
    void committedTransactionsSurvivePowerLossesInEveryPhase() throws Exception {
        powerLosses(3, 1206L);
    }

    @Test
    @Tag("long")
    void committedTransactionsSurviveFifteenPowerLossesInEveryPhase() throws Exception {
        powerLosses(15, 98L);
    }

    private void kills(int crashes, long seed) throws Exception {
        Crash.withSigkills(work, SETTINGS, (broker, crash) -> crashRepeatedly(broker, crashes, seed, crash));
    }

    private void powerLosses(int crashes, long seed) throws Exception {
        Crash.withPowerLosses(work, SETTINGS, (broker, crash) -> crashRepeatedly(broker, crashes, seed, crash));
    }

    private static void crashRepeatedly(BrokerProcess broker, int crashes, long seed, Crash crash)
            throws Exception {
        Random random = new Random(seed);
        TxnLedger ledger = new TxnLedger();
        broker.start();
        createTopic(broker.bootstrapServers());
        try (TransactionalFleet fleet = new TransactionalFleet(broker.bootstrapServers(), TOPIC, PARTITIONS,
                PRODUCERS, RECORDS_PER_TXN, seed, ledger)) {
            for (int i = 0; i < crashes; i++) {
                IntSupplier counter = switch (i % 3) {
                    case 0 -> ledger::commitsAcknowledged;      // later, at a random moment of the load
                    case 1 -> ledger::commitsStarted;           // an EndTxn in flight
                    default -> ledger::commitsAcknowledged;     // markers being written
                };
                int target = counter.getAsInt() + 1 + (i % 3 == 0 ? random.nextInt(20) : 0);
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(1))
                        .until(() -> counter.getAsInt() >= target);
                crash.happen();
            }
            // Some commits after the last crash, so the fleet is shown to go on.
            int after = ledger.commitsAcknowledged() + 3;
            await().atMost(Duration.ofSeconds(120)).until(() -> ledger.commitsAcknowledged() >= after);
            fleet.stop();
            assertEquals(List.of(), fleet.unexpectedErrors());
        }
        abandonOpenTransaction(broker.bootstrapServers());
        // A transaction no producer will finish is aborted by its timeout; the last stable offset then catches up.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> lastStableOffsetsReachLogEnd(broker.bootstrapServers()));

        List<String> problems = ledger.check(readCommitted(broker.bootstrapServers()));

        assertTrue(problems.isEmpty(), problems.size() + " problem(s), first: "
                + problems.subList(0, Math.min(20, problems.size())) + "\nbroker log:\n" + broker.tail());
        assertTrue(ledger.count(TxnLedger.Outcome.COMMITTED) > crashes, "too few commits acknowledged");
        assertTrue(ledger.count(TxnLedger.Outcome.ABORTED) > 0, "no abort acknowledged");
        System.out.printf("transactions: %d committed, %d aborted, %d uncertain across %d crashes; %d restart(s)"
                        + " found decided transactions to complete%n", ledger.count(TxnLedger.Outcome.COMMITTED),
                ledger.count(TxnLedger.Outcome.ABORTED), ledger.count(TxnLedger.Outcome.UNCERTAIN), crashes,
                broker.logLinesContaining("decided transaction(s)").stream()
                        .filter(l -> !l.contains("completing 0 decided")).count());
    }

    /** Begins a transaction, writes to every partition and closes the producer: no one will end the transaction. */
    private static void abandonOpenTransaction(String bootstrap) {
        KafkaProducer<byte[], byte[]> producer = TransactionalFleet.producer(bootstrap, "abandoned", 3_000);
        producer.initTransactions();
        producer.beginTransaction();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            producer.send(new ProducerRecord<>(TOPIC, partition, null,
                    TxnLedger.value("abandoned/0", partition).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
        producer.close(Duration.ZERO);
    }

    private static boolean lastStableOffsetsReachLogEnd(String bootstrap) {
        try (KafkaConsumer<byte[], byte[]> committed = consumer(bootstrap, "read_committed");
             KafkaConsumer<byte[], byte[]> uncommitted = consumer(bootstrap, "read_uncommitted")) {
            List<TopicPartition> partitions = partitions();
            return committed.endOffsets(partitions).equals(uncommitted.endOffsets(partitions));
        }
    }

    /** Every value a read_committed consumer reads from the start of every partition to its last stable offset. */
    private static List<String> readCommitted(String bootstrap) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, "read_committed")) {
            List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return values.stream().filter(v -> !v.startsWith("abandoned/")).toList();
    }

    private static List<TopicPartition> partitions() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int i = 0; i < PARTITIONS; i++) {
            partitions.add(new TopicPartition(TOPIC, i));
        }
        return partitions;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return new KafkaConsumer<>(p);
    }

    private static void createTopic(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
        }
    }
}
