package io.spindle.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.txn.TransactionCoordinator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code __transaction_state} is bounded by compaction alone: kafka-clients runs many transactions for a few
 * transactional ids on a broker with small state segments and a fast cleaner; the cleaner shrinks the topic to about
 * one record per id, and after a restart every id is described as before and its producer is fenced by a new one.
 */
class TransactionStateCompactionTest {
    private static final int IDS = 3;
    private static final int TRANSACTIONS = 30;

    @TempDir
    Path dataDir;

    private LocalBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private long stateSegments() throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve(TransactionCoordinator.STATE_TOPIC + "-0"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
        }
    }

    private List<String> describe(List<String> ids) throws Exception {
        List<String> described = new ArrayList<>();
        Map<String, TransactionDescription> all = broker.admin().describeTransactions(ids).all().get();
        for (String id : ids) {
            TransactionDescription d = all.get(id);
            described.add(id + " pid=" + d.producerId() + " epoch=" + d.producerEpoch() + " " + d.state());
        }
        return described;
    }

    @Test
    void theCleanerCompactsTheTransactionStateAndARestartKeepsEveryTransactionalId() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.TRANSACTION_STATE_LOG_SEGMENT_BYTES, "1024",
                BrokerConfig.LOG_CLEANER_BACKOFF_MS, "20", BrokerConfig.LOG_CLEANER_MIN_CLEANABLE_RATIO, "0.1"));
        broker.createTopic("ledger", 1);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < IDS; i++) {
            String id = "writer-" + i;
            ids.add(id);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, id, ProducerConfig.LINGER_MS_CONFIG, "0"))) {
                producer.initTransactions();
                for (int t = 0; t < TRANSACTIONS; t++) {
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>("ledger", new byte[] {(byte) t}));
                    if (t % 3 == 2) {
                        producer.abortTransaction();
                    } else {
                        producer.commitTransaction();
                    }
                }
            }
        }
        // Three records per transaction (Ongoing, Prepare*, Complete*), some 270 over 1 KiB segments uncompacted;
        // compacted, the three ids' latest records fit beside the active segment.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> stateSegments() <= 3);
        List<String> before = describe(ids);
        assertTrue(before.stream().allMatch(d -> d.endsWith("CompleteAbort") || d.endsWith("CompleteCommit")), before::toString);

        broker.restart();

        assertEquals(before, describe(ids));
        for (String id : ids) {
            try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, id))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("ledger", new byte[] {1}));
                producer.commitTransaction();
            }
        }
        for (int i = 0; i < IDS; i++) {
            String epochBefore = before.get(i).split(" ")[2];
            String epochAfter = describe(ids).get(i).split(" ")[2];
            assertEquals("epoch=" + (Integer.parseInt(epochBefore.substring(6)) + 1), epochAfter,
                    "the restarted broker bumped the epoch it kept for " + ids.get(i));
        }
    }
}
