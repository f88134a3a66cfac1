package io.spindle.broker.compact;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.Kcat;
import io.spindle.broker.LocalBroker;
import io.spindle.broker.metrics.PrometheusText;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction seen by kafka-clients 4.4.0: many updates of a few keys in a compacted topic with small segments are
 * cleaned by the broker's cleaner thread, and a consumer reading from the beginning then gets each key's latest value
 * at the offset it was written at; a tombstone removes its key; a restart in the middle loses nothing and the
 * cleaner goes on from its checkpoint. kcat (librdkafka) reads the same from the beginning, and both clients, put at an
 * offset the cleaner removed, go on at the next offset kept.
 */
class CompactionEndToEndTest {
    private static final String TOPIC = "table";
    private static final int KEYS = 10;

    @TempDir
    Path dataDir;
    @TempDir
    Path work;

    private LocalBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private LocalBroker start() {
        return LocalBroker.start(dataDir, Map.of(BrokerConfig.LOG_CLEANER_BACKOFF_MS, "20", "metrics.port", "0"));
    }

    /** key → [offset, value] of the latest record sent for it. */
    private final Map<String, Object[]> latest = new LinkedHashMap<>();

    private void send(KafkaProducer<byte[], byte[]> producer, String key, String value) throws Exception {
        long offset = producer.send(new ProducerRecord<>(TOPIC, bytes(key), value == null ? null : bytes(value)))
                .get().offset();
        latest.put(key, new Object[] {offset, value});
    }

    /** Rounds of updates to every key; then records of a filler key until the updates lie in sealed segments. */
    private void produceRounds(int rounds, int from) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
            for (int round = from; round < from + rounds; round++) {
                for (int k = 0; k < KEYS; k++) {
                    send(producer, "k" + k, "v" + round + "-" + k);
                }
            }
            for (int i = 0; i < 40; i++) {
                send(producer, "filler", "f" + i);
            }
        }
    }

    /** Every record from offset 0 to the end, in order. */
    private List<ConsumerRecord<byte[], byte[]>> readAll() {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return consumer.position(partition) >= end;
            });
        }
        return records;
    }

    /** The offset the cleaner checkpoint says the topic's partition is clean up to, or -1. */
    private long cleanedUpTo() throws IOException {
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

    private void awaitCleanedPast(String key) {
        long offset = (long) latest.get(key)[0];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> cleanedUpTo() > offset);
    }

    /** "offset key value" of each record, "null" for a tombstone's value (what kcat prints with -Z, lower-cased). */
    private static List<String> lines(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> r.offset() + " " + text(r.key()) + " " + text(r.value())).toList();
    }

    /** Checks that each key of the test appears once, with its latest value at its original offset. */
    private void assertOnlyTheLatestValueOfEveryKey(List<ConsumerRecord<byte[], byte[]>> records) {
        assertOnlyTheLatestValueOfEveryKeyIn(lines(records));
    }

    /** As above, for records as "offset key value" lines. */
    private void assertOnlyTheLatestValueOfEveryKeyIn(List<String> records) {
        Map<String, List<String>> seen = new LinkedHashMap<>();
        long previous = -1;
        for (String record : records) {
            String[] parts = record.split(" ");
            long offset = Long.parseLong(parts[0]);
            assertTrue(offset > previous, "offsets go up: " + offset + " after " + previous);
            previous = offset;
            seen.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(offset + "=" + parts[2]);
        }
        for (var entry : latest.entrySet()) {
            if (entry.getKey().equals("filler")) {
                continue;       // its last records are in the active segment, which is never cleaned
            }
            Object[] last = entry.getValue();
            List<String> expected = last[1] == null ? null : List.of(last[0] + "=" + last[1]);
            List<String> actual = seen.get(entry.getKey());
            if (last[1] == null) {
                assertTrue(actual == null || actual.equals(List.of(last[0] + "=null")),
                        entry.getKey() + " was deleted: nothing or its tombstone remains, not " + actual);
            } else {
                assertEquals(expected, actual, "key " + entry.getKey());
            }
        }
    }

    @Test
    void aConsumerFromTheBeginningSeesOnlyTheLatestValueOfEachKeyAtItsOriginalOffset() throws Exception {
        broker = start();
        broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        produceRounds(30, 0);
        awaitCleanedPast("k" + (KEYS - 1));

        List<ConsumerRecord<byte[], byte[]>> records = readAll();

        assertOnlyTheLatestValueOfEveryKey(records);
        assertTrue(records.size() < 100, records.size() + " records of the 340 written remain");
        Map<String, Double> meters = PrometheusText.scrape(broker.broker().metricsPort());
        assertTrue(meters.get("spindle_log_cleaner_runs_total") >= 1, "runs: " + meters);
        assertTrue(meters.get("spindle_log_cleaner_read_bytes_total") > 0);
        assertTrue(meters.get("spindle_log_cleaner_written_bytes_total") > 0);
        assertTrue(meters.containsKey("spindle_log_cleaner_last_run_seconds"));
        assertTrue(meters.containsKey("spindle_log_cleaner_max_dirty_ratio"));
        assertEquals(0.0, meters.get("spindle_log_cleaner_uncleanable_partitions"));
    }

    @Test
    void aTombstoneRemovesItsKeyAndIsItselfRemovedAfterDeleteRetention() throws Exception {
        broker = start();
        broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01", TopicConfig.DELETE_RETENTION_MS, "0"));
        produceRounds(10, 0);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            send(producer, "k3", null);
        }
        produceRounds(2, 10);            // k3 comes back after its deletion, twice
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            send(producer, "k5", null);
        }
        produceRounds(1, 20);
        latest.remove("k5");
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            send(producer, "k5", null);  // deleted for good
            for (int i = 0; i < 40; i++) {
                send(producer, "filler", "g" + i);
            }
        }
        awaitCleanedPast("k5");

        List<ConsumerRecord<byte[], byte[]>> records = readAll();

        assertOnlyTheLatestValueOfEveryKey(records);
        assertTrue(records.stream().noneMatch(r -> text(r.key()).equals("k3") && r.value() == null),
                "the tombstone of k3 is gone: a later value replaced it");
    }

    @Test
    void aRestartInTheMiddleLosesNothingAndTheCleanerGoesOnFromItsCheckpoint() throws Exception {
        broker = start();
        broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        produceRounds(15, 0);
        awaitCleanedPast("k" + (KEYS - 1));
        long cleanedBefore = cleanedUpTo();

        broker.restart();
        assertTrue(cleanedUpTo() >= cleanedBefore, "the checkpoint survived the restart");
        assertOnlyTheLatestValueOfEveryKey(readAll());

        produceRounds(15, 15);
        awaitCleanedPast("k" + (KEYS - 1));
        assertOnlyTheLatestValueOfEveryKey(readAll());
    }

    @Test
    void kcatFromTheBeginningGetsOnlyTheLatestValueOfEachKeyAndTheTombstonesInOffsetOrder() throws Exception {
        Kcat.assumeInstalled();
        broker = start();
        broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        produceRounds(20, 0);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            send(producer, "k3", null);     // within delete.retention.ms (a day): every reader must see it
            for (int i = 0; i < 40; i++) {
                send(producer, "filler", "g" + i);
            }
        }
        awaitCleanedPast("k3");

        String output = Kcat.run(work, List.of("-b", broker.bootstrapServers(), "-t", TOPIC, "-p", "0", "-C",
                "-o", "beginning", "-e", "-q", "-Z", "-f", "%o %k %s\\n"));

        List<String> records = Arrays.stream(output.split("\n")).map(l -> l.replace(" NULL", " null")).toList();
        assertOnlyTheLatestValueOfEveryKeyIn(records);
        assertTrue(records.contains(latest.get("k3")[0] + " k3 null"), "kcat read k3's tombstone: " + records);
        assertTrue(records.size() < 100, records.size() + " records of the 241 written remain");
    }

    @Test
    void aConsumerPutInAHoleGoesOnAtTheNextOffsetKeptWithKafkaClientsAndKcat() throws Exception {
        broker = start();
        broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        // Every fourth record has a key of its own (kept for ever); the others overwrite "hot", so that all but the
        // last of them become holes, between batches and inside them (the producer batches what it is given, in
        // batches that fit the 1 KiB segments: a larger one is refused with RECORD_LIST_TOO_LARGE, as Kafka does).
        TreeSet<Long> kept = new TreeSet<>();
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, "5",
                ProducerConfig.BATCH_SIZE_CONFIG, "800"))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 240; i++) {
                String key = i % 4 == 0 || i >= 200 ? "own-" + i : "hot";
                sent.add(producer.send(new ProducerRecord<>(TOPIC, 0, bytes(key), bytes("v" + i))));
            }
            for (int i = 0; i < sent.size(); i++) {
                long offset = sent.get(i).get().offset();
                if (i % 4 == 0 || i >= 199) {       // 199: the last "hot" record
                    kept.add(offset);
                }
                latest.put(i % 4 == 0 || i >= 200 ? "own-" + i : "hot", new Object[] {offset, "v" + i});
            }
        }
        awaitCleanedPast("hot");
        assertEquals(List.copyOf(kept), readAll().stream().map(ConsumerRecord::offset).toList(),
                "every record but the overwritten ones");
        List<Long> holes = new ArrayList<>();
        for (long offset = 0; offset < kept.last(); offset++) {
            if (!kept.contains(offset)) {
                holes.add(offset);
            }
        }

        TopicPartition partition = new TopicPartition(TOPIC, 0);
        // A short long-poll: a seek waits for the fetch in flight, which at the log end waits fetch.max.wait.ms.
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of("fetch.max.wait.ms", 10))) {
            consumer.assign(List.of(partition));
            for (long hole : holes) {
                consumer.seek(partition, hole);
                assertEquals(kept.higher(hole), firstOffsetPolled(consumer), "kafka-clients after a seek to " + hole);
            }
        }
        for (long hole : List.of(holes.get(0), holes.get(holes.size() / 2), holes.get(holes.size() - 1))) {
            String first = Kcat.run(work, List.of("-b", broker.bootstrapServers(), "-t", TOPIC, "-p", "0", "-C",
                    "-o", Long.toString(hole), "-c", "1", "-e", "-q", "-f", "%o\\n")).trim();
            assertEquals(Long.toString(kept.higher(hole)), first, "kcat -o " + hole);
        }
    }

    private static long firstOffsetPolled(KafkaConsumer<byte[], byte[]> consumer) {
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .pollInSameThread().until(() -> {
                    consumer.poll(Duration.ofMillis(50)).forEach(got::add);
                    return !got.isEmpty();
                });
        return got.get(0).offset();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
