package io.spindle.broker.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.TopicConfig;
import io.spindle.log.compact.CleanedTransactions;
import io.spindle.log.compact.OffsetMap;
import io.spindle.log.compact.SegmentCleaner;
import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A broker (a child JVM) killed in the middle of a compaction swap starts with the swap finished or discarded, says
 * so in one line, and serves the latest value of every key. The files a swap cut short leaves are made here, at
 * three moments, from the partition's real segments with the cleaner's own {@link SegmentCleaner} (the broker runs
 * no cleaner thread, so that only its start-up touches them): log-storage's SegmentSwapTest stops the swap after
 * each of its file operations; this test shows that the broker's start-up runs that recovery, logs it once, and that
 * kafka-clients then reads the right records.
 */
class InterruptedSwapStartTest {
    private static final String TOPIC = "table";
    private static final int KEYS = 10;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    /** How far the swap got when the broker died. */
    enum Cut {
        /** The cleaned files were written, none renamed: the clean is discarded. */
        CLEANED_FILES_WRITTEN(false),
        /** The first cleaned file was renamed to .swap, the others not: the first group is finished, the rest kept. */
        IN_THE_MIDDLE_OF_THE_COMMIT(true),
        /** Every file renamed to .swap and the first old segment unlinked: the swap is finished. */
        AFTER_THE_FIRST_UNLINK(true);

        final boolean installs;

        Cut(boolean installs) {
            this.installs = installs;
        }
    }

    @ParameterizedTest
    @EnumSource(Cut.class)
    void aSwapCutShortIsFinishedOrDiscardedAtStartInOneLineAndEveryKeyKeepsItsLatestValue(Cut cut) throws Exception {
        Path dataDir = Files.createDirectory(work.resolve("data"));
        try (BrokerProcess broker = new BrokerProcess(dataDir, work, Map.of("log.cleaner.threads", "0"))) {
            broker.start();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY, "compact", TopicConfig.SEGMENT_BYTES, "1024")))).all().get();
            }
            Map<String, String> latest = produce(broker.bootstrapServers());
            List<String> before = read(broker);
            broker.kill();

            Path dir = dataDir.resolve(TOPIC + "-0");
            List<SegmentFile> sealed = sealedSegments(dir);
            SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 16));
            long mappedEnd = cleaner.buildMap(sealed, 0, CleanedTransactions.none());
            List<SegmentFile> cleaned = cleaner.clean(sealed, mappedEnd, 4096, System.currentTimeMillis(),
                    86_400_000L, (producer, lastOffset) -> true, CleanedTransactions.none(), dir);
            assertTrue(cleaned.size() >= 2, "several groups: " + cleaned);
            int committed = cut == Cut.CLEANED_FILES_WRITTEN ? 0
                    : cut == Cut.IN_THE_MIDDLE_OF_THE_COMMIT ? 1 : cleaned.size();
            for (SegmentFile file : cleaned.subList(0, committed)) {
                Files.move(file.path(), file.path().resolveSibling(file.path().getFileName().toString()
                        .replace(".log.cleaned", ".log.swap")));
            }
            if (cut == Cut.AFTER_THE_FIRST_UNLINK) {
                Files.delete(sealed.get(0).path());
            }

            broker.start();

            List<String> lines = broker.logLinesContaining(TOPIC + "-0: ").stream()
                    .filter(l -> l.contains("swap") || l.contains("cleaned")).toList();
            assertEquals(1, lines.size(), "one line about the interrupted swap: " + lines + "\n" + broker.tail());
            assertEquals(cut.installs, lines.get(0).contains("finished an interrupted compaction swap"), lines.get(0));
            assertEquals(cut != Cut.AFTER_THE_FIRST_UNLINK, lines.get(0).contains("discarded"), lines.get(0));
            try (Stream<Path> files = Files.list(dir)) {
                assertTrue(files.noneMatch(f -> f.toString().endsWith(".cleaned") || f.toString().endsWith(".swap")),
                        "no cleaned or swap file is left");
            }
            List<String> after = read(broker);
            Map<String, String> lastRead = new LinkedHashMap<>();
            after.forEach(r -> lastRead.put(r.substring(r.indexOf(' ') + 1, r.indexOf('=')), r));
            assertEquals(latest, lastRead, "the latest record of every key, at its offset");
            assertTrue(before.containsAll(after), "every record read is one that was there before");
            if (cut == Cut.CLEANED_FILES_WRITTEN) {
                assertEquals(before, after, "a discarded clean changes nothing");
            } else {
                long removed = before.stream().filter(r -> !after.contains(r)).count();
                assertTrue(removed > 0, "the finished group's old records are gone");
            }
        }
    }

    /** Thirty rounds of updates of ten keys, one batch each; key → "offset key=value" of its last record. */
    private static Map<String, String> produce(String bootstrap) throws Exception {
        Map<String, String> latest = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "acks", "all", "linger.ms", 0), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int round = 0; round < 30; round++) {
                for (int k = 0; k < KEYS; k++) {
                    String key = "k" + k;
                    String value = "v" + round + "-" + k;
                    long offset = producer.send(new ProducerRecord<>(TOPIC, 0, key.getBytes(StandardCharsets.UTF_8),
                            value.getBytes(StandardCharsets.UTF_8))).get().offset();
                    latest.put(key, offset + " " + key + "=" + value);
                }
            }
        }
        return latest;
    }

    /** "offset key=value" of every record, from the beginning. */
    private static List<String> read(BrokerProcess broker) {
        List<String> records = new ArrayList<>();
        LogReader.read(broker.bootstrapServers(), TOPIC, 1, r -> r.offset() + " "
                + new String(r.key(), StandardCharsets.UTF_8) + "=" + new String(r.value(), StandardCharsets.UTF_8))
                .get(0).forEach(records::add);
        return records;
    }

    /** Every segment of the partition but the last (the active one), oldest first. */
    private static List<SegmentFile> sealedSegments(Path dir) throws Exception {
        List<SegmentFile> segments = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList()) {
                segments.add(new SegmentFile(Long.parseLong(f.getFileName().toString().substring(0, 20)), f,
                        Files.size(f)));
            }
        }
        return segments.subList(0, segments.size() - 1);
    }
}
