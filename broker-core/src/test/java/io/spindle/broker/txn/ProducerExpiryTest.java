package io.spindle.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's expiry of idle producers (producer.id.expiration.ms) and of idle transactional ids
 * (transactional.id.expiration.ms), seen as a user sees them: through kafka-clients 4.4.0's Admin (DescribeProducers,
 * ListTransactions, DescribeTransactions) and producers, on a broker whose clock the test moves.
 */
class ProducerExpiryTest {
    private static final String TOPIC = "ledger";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final int EXPIRATION_MS = 60_000;

    @TempDir
    Path dataDir;
    private final ManualClock clock = new ManualClock(System.currentTimeMillis());
    private final List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    private LocalBroker broker;
    private Admin admin;

    private void start(Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.put(BrokerConfig.PRODUCER_ID_EXPIRATION_MS, Integer.toString(EXPIRATION_MS));
        broker = LocalBroker.start(dataDir, all, clock);
        broker.createTopic(TOPIC, 1);
        admin = broker.admin();
    }

    @AfterEach
    void stop() {
        producers.forEach(p -> p.close(Duration.ZERO));
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void anIdleProducerLeavesDescribeProducersButOneWithAnOpenTransactionStays() throws Exception {
        start(Map.of(BrokerConfig.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, "50"));
        KafkaProducer<byte[], byte[]> idempotent = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        for (int i = 0; i < 3; i++) {
            send(idempotent, "plain-" + i);
        }
        KafkaProducer<byte[], byte[]> transactional = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-open",
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000));
        transactional.initTransactions();
        transactional.beginTransaction();
        send(transactional, "open");
        long transactionalId = admin.describeTransactions(List.of("tx-open")).description("tx-open").get().producerId();
        assertEquals(2, describe().size());
        assertEquals(2.0, producerIdsMeter());

        clock.advance(Duration.ofMillis(2L * EXPIRATION_MS));

        await().atMost(Duration.ofSeconds(10)).until(() -> ids().equals(Set.of(transactionalId)));
        assertEquals(1.0, producerIdsMeter());

        // Its next batch (sequence 3) starts it again, as Kafka accepts any sequence from a producer it has no state of.
        RecordMetadata after = send(idempotent, "after-expiry");
        assertEquals(4L, after.offset(), "after the three idempotent records and the open transaction's one");
        ProducerState again = describe().stream().filter(p -> p.producerId() != transactionalId).findFirst()
                .orElseThrow();
        assertEquals(3, again.lastSequence());

        transactional.commitTransaction();
        clock.advance(Duration.ofMillis(2L * EXPIRATION_MS));
        await().atMost(Duration.ofSeconds(10)).until(() -> describe().isEmpty());
        assertEquals(0.0, producerIdsMeter());
    }

    @Test
    void aProducerThatExpiredWhileTheBrokerWasDownIsNotListedAfterTheRestart() throws Exception {
        // The periodic check is ten minutes away (Kafka's default): only the load can drop the idle producer.
        start(Map.of());
        KafkaProducer<byte[], byte[]> idle = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        idle.send(new ProducerRecord<>(TOPIC, 0, clock.millis(), null, bytes("old"))).get();
        clock.advance(Duration.ofMillis(EXPIRATION_MS));
        KafkaProducer<byte[], byte[]> fresh = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        fresh.send(new ProducerRecord<>(TOPIC, 0, clock.millis(), null, bytes("new"))).get();
        assertEquals(2, describe().size(), "nothing expired before the restart");
        long freshId = describe().stream().mapToLong(ProducerState::producerId).max().orElseThrow();

        producers.forEach(p -> p.close(Duration.ZERO));
        producers.clear();
        broker.restart();
        admin = broker.admin();

        assertEquals(Set.of(freshId), ids());
    }

    @Test
    void anIdleTransactionalIdIsForgottenAndANewProducerWithItStartsAfresh() throws Exception {
        start(Map.of(BrokerConfig.TRANSACTIONAL_ID_EXPIRATION_MS, Integer.toString(EXPIRATION_MS),
                BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, "50"));
        KafkaProducer<byte[], byte[]> first = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-idle"));
        first.initTransactions();
        first.beginTransaction();
        send(first, "committed");
        first.commitTransaction();
        long firstProducerId = admin.describeTransactions(List.of("tx-idle")).description("tx-idle").get()
                .producerId();
        assertEquals(List.of("tx-idle"), listed());

        clock.advance(Duration.ofMillis(EXPIRATION_MS + 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> listed().isEmpty());
        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> admin.describeTransactions(List.of("tx-idle")).description("tx-idle").get());
        assertInstanceOf(TransactionalIdNotFoundException.class, unknown.getCause());

        producers.forEach(p -> p.close(Duration.ZERO));
        producers.clear();
        broker.restart();
        admin = broker.admin();
        assertTrue(listed().isEmpty(), "the id's tombstone in __transaction_state keeps it forgotten");

        KafkaProducer<byte[], byte[]> second = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-idle"));
        second.initTransactions();
        second.beginTransaction();
        send(second, "again");
        second.commitTransaction();
        long secondProducerId = admin.describeTransactions(List.of("tx-idle")).description("tx-idle").get()
                .producerId();
        assertNotEquals(firstProducerId, secondProducerId, "a forgotten id gets a new producer id");
        assertEquals(List.of("tx-idle"), listed());
    }

    private KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        KafkaProducer<byte[], byte[]> producer = broker.producer(overrides);
        producers.add(producer);
        return producer;
    }

    private static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, String value) throws Exception {
        return producer.send(new ProducerRecord<>(TOPIC, 0, null, bytes(value))).get();
    }

    private List<ProducerState> describe() throws Exception {
        return admin.describeProducers(List.of(P0)).partitionResult(P0).get().activeProducers();
    }

    private Set<Long> ids() throws Exception {
        return describe().stream().map(ProducerState::producerId).collect(Collectors.toSet());
    }

    private List<String> listed() throws Exception {
        return admin.listTransactions().all().get().stream().map(TransactionListing::transactionalId).toList();
    }

    private double producerIdsMeter() {
        return broker.broker().metrics().registry().get("spindle.producer.ids").gauge().value();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
