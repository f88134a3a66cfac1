package io.spindle.broker.compact;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions on a compacted topic, seen by kafka-clients 4.4.0: a transactional producer commits and aborts
 * rounds of updates to the same keys, the broker's cleaner cleans the sealed segments, and afterwards a read_committed
 * consumer from the beginning gets, for each key, its latest committed value at its original offset — never an
 * aborted one, even where the aborted value came later. A read_uncommitted consumer sees no aborted value either: the
 * cleaner removed them.
 */
class TransactionalCompactionTest {
    private static final String TOPIC = "txn-table";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final int KEYS = 5;

    @TempDir
    Path dataDir;

    private LocalBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void afterCleaningAReadCommittedConsumerSeesTheLatestCommittedValueOfEachKeyAndNoAbortedOne() throws Exception {
        broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.LOG_CLEANER_BACKOFF_MS, "20"));
        broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        Map<String, String> committed = new TreeMap<>();
        Map<String, Long> committedOffsets = new TreeMap<>();
        long lastTransactional = -1;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "compacting", ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.BATCH_SIZE_CONFIG, "512"))) {      // the fillers below stay under segment.bytes
            producer.initTransactions();
            for (int round = 0; round < 10; round++) {      // the last round aborts
                boolean commit = round % 2 == 0;
                producer.beginTransaction();
                Map<String, Long> offsets = new LinkedHashMap<>();
                for (int k = 0; k < KEYS; k++) {
                    String value = (commit ? "c" : "a") + round + "-k" + k;
                    long offset = producer.send(record("k" + k, value)).get().offset();
                    offsets.put("k" + k + "=" + value, offset);
                    lastTransactional = Math.max(lastTransactional, offset);
                }
                if (commit) {
                    producer.commitTransaction();
                    offsets.forEach((kv, offset) -> {
                        committed.put(kv.split("=")[0], kv.split("=")[1]);
                        committedOffsets.put(kv.split("=")[0], offset);
                    });
                } else {
                    producer.abortTransaction();
                }
            }
            producer.beginTransaction();
            for (int i = 0; i < 60; i++) {
                producer.send(record("filler", "f" + i));        // rolls segments past the rounds above
            }
            producer.commitTransaction();
        }
        long cleanedPast = lastTransactional + 1;       // past the last aborted round's marker
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> cleanedUpTo() > cleanedPast);

        List<ConsumerRecord<byte[], byte[]>> readCommitted = readAll("read_committed");
        List<ConsumerRecord<byte[], byte[]>> readUncommitted = readAll("read_uncommitted");

        Map<String, List<String>> seen = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted) {
            if (!text(r.key()).equals("filler")) {
                seen.computeIfAbsent(text(r.key()), k -> new ArrayList<>()).add(r.offset() + "=" + text(r.value()));
            }
        }
        Map<String, List<String>> expected = new TreeMap<>();
        committed.forEach((k, v) -> expected.put(k, List.of(committedOffsets.get(k) + "=" + v)));
        assertEquals(expected, seen, "each key once, its last committed value at its offset");
        assertTrue(readUncommitted.stream().noneMatch(r -> text(r.value()).startsWith("a")),
                "the cleaner removed the aborted records themselves");
    }

    private static ProducerRecord<byte[], byte[]> record(String key, String value) {
        return new ProducerRecord<>(TOPIC, 0, key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }

    private long cleanedUpTo() throws Exception {
        Path checkpoint = dataDir.resolve("cleaner-offset-checkpoint");
        if (!Files.exists(checkpoint)) {
            return -1;
        }
        for (String line : Files.readAllLines(checkpoint)) {
            if (line.startsWith(TOPIC + "-0 ")) {
                return Long.parseLong(line.substring(line.indexOf(' ') + 1));
            }
        }
        return -1;
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(String isolation) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(PARTITION));
            consumer.seekToBeginning(List.of(PARTITION));
            long end = consumer.endOffsets(List.of(PARTITION)).get(PARTITION);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return consumer.position(PARTITION) >= end;
            });
        }
        return records;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
