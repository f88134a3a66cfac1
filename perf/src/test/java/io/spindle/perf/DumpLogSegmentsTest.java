package io.spindle.perf;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import io.spindle.config.TopicConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka 4.4.0's {@code DumpLogSegments} (org.apache.kafka.tools, in kafka-tools; run as a child JVM on
 * target/kafka-tools plus target/kafka-lib, which the build fills) reads the segments Spindle's log cleaner wrote:
 * every batch parses, with deep iteration, and it shows exactly the records of each key a compacted partition keeps,
 * at their offsets. The segments come from a broker in this JVM whose cleaner compacted lz4 batches of an idempotent
 * kafka-clients producer, tombstones included, leaving holes between and inside batches; Kafka's notes of the offset
 * gaps must be exactly those holes. (In 4.4.0 the tool is in kafka-tools, not in kafka_2.13 as kafka.tools.) Skipped,
 * saying why, where the Kafka class path was not copied.
 */
class DumpLogSegmentsTest {
    private static final String TOPIC = "dumped";
    private static final String TOOL = "org.apache.kafka.tools.DumpLogSegments";
    /** A record line of --print-data-log: "| offset: 12 CreateTime: ... key: k3 payload: v4-3" (no payload: null). */
    private static final Pattern RECORD = Pattern.compile("^\\| offset: (\\d+) .* key: (\\S+)(?: payload: (\\S+))?$");
    private static final Pattern BATCH = Pattern.compile(
            "^baseOffset: (\\d+) lastOffset: (\\d+) count: (\\d+) .* isvalid: true$");
    /** What it says of a gap between two records of one file: "  41 is followed by 57" (-1: before the first). */
    private static final Pattern GAP = Pattern.compile("^  (-?\\d+) is followed by (\\d+)$");

    @TempDir
    Path dataDir;
    @TempDir
    Path work;

    @Test
    void kafkasDumpLogSegmentsParsesEveryBatchOfCleanedSegmentsAndShowsTheRecordsKept() throws Exception {
        Path kafkaLib = Path.of(System.getProperty("spindle.perf.kafkaLib", "target/kafka-lib"));
        Path kafkaTools = Path.of(System.getProperty("spindle.perf.kafkaToolsLib", "target/kafka-tools"));
        assumeTrue(Files.isDirectory(kafkaLib) && Files.isDirectory(kafkaTools), "No Kafka class path at " + kafkaLib
                + " and " + kafkaTools + " (the perf module's build copies it: mvn -pl perf -am test-compile): "
                + "DumpLogSegments test skipped");

        Map<Long, String> written = new TreeMap<>();      // offset -> "key=value" of every record sent
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of(BrokerConfig.LOG_CLEANER_BACKOFF_MS, "20"))) {
            broker.createTopic(TOPIC, 1, Map.of(TopicConfig.CLEANUP_POLICY, "compact",
                    TopicConfig.SEGMENT_BYTES, "2048", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
            // The updates are sent without waiting, so that the producer makes lz4 batches of several records each;
            // batch.size keeps every batch well under segment.bytes, which refuses a larger one as Kafka does.
            Map<String, Future<RecordMetadata>> sent = new LinkedHashMap<>();
            try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of(
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, "5",
                    ProducerConfig.BATCH_SIZE_CONFIG, "1024"))) {
                for (int round = 0; round < 20; round++) {
                    for (int k = 0; k < 12; k++) {
                        if (k == 5 && round == 11) {
                            continue;               // k5 is deleted in round 10 and written again from round 12 on
                        }
                        boolean tombstone = (k == 5 && round == 10) || (k == 7 && round == 19);   // k7 for good
                        String value = tombstone ? null : "v" + round + "-" + k;
                        sent.put("k" + k + "=" + value + "@" + round, producer.send(new ProducerRecord<>(TOPIC, 0,
                                bytes("k" + k), bytes(value))));
                    }
                }
                producer.flush();
                for (int i = 0; i < 60; i++) {          // unique keys, a batch each, so that the updates are sealed
                    Future<RecordMetadata> tail = producer.send(new ProducerRecord<>(TOPIC, 0, bytes("tail" + i),
                            bytes("t" + i)));
                    tail.get();
                    sent.put("tail" + i + "=t" + i, tail);
                }
                for (Map.Entry<String, Future<RecordMetadata>> send : sent.entrySet()) {
                    String record = send.getKey();
                    written.put(send.getValue().get().offset(), record.contains("@")
                            ? record.substring(0, record.indexOf('@')) : record);
                }
            }
            long lastUpdate = written.entrySet().stream().filter(e -> e.getValue().startsWith("k"))
                    .mapToLong(Map.Entry::getKey).max().orElseThrow();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> cleanedUpTo() > lastUpdate);
        }
        long cleanedTo = cleanedUpTo();         // read once the broker is closed: no clean moves it any more
        // The segments the cleaner rewrote: every one below where its checkpoint says the partition is clean.
        List<Path> cleaned = new ArrayList<>();
        try (Stream<Path> files = Files.list(dataDir.resolve(TOPIC + "-0"))) {
            files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.log")).sorted().forEach(cleaned::add);
        }
        cleaned.removeIf(f -> Long.parseLong(f.getFileName().toString().substring(0, 20)) >= cleanedTo);
        assertTrue(!cleaned.isEmpty(), "cleaned segments below " + cleanedTo);

        String output = dump(kafkaLib, kafkaTools, cleaned);

        // Every line is a file heading, a batch it found valid, a record of one, or its note of an offset gap.
        List<String> unexpected = output.lines().filter(l -> !l.startsWith("Dumping ")
                && !l.startsWith("Log starting offset: ") && !BATCH.matcher(l).matches() && !RECORD.matcher(l).matches()
                && !l.startsWith("Non-consecutive offsets in ") && !GAP.matcher(l).matches()).toList();
        assertEquals(List.of(), unexpected, "DumpLogSegments said more than batches and records:\n" + output);
        List<Matcher> batches = output.lines().map(BATCH::matcher).filter(Matcher::matches).toList();
        assertTrue(batches.size() >= cleaned.size(), batches.size() + " valid batches in " + cleaned.size()
                + " files:\n" + output);
        // Whether a kept batch has a hole inside depends on how the producer happened to batch the rounds (all of
        // round 19 alone in one batch leaves none), so it is not asserted; the gaps below cover every hole there is.
        Map<Long, String> dumped = new TreeMap<>();
        output.lines().map(RECORD::matcher).filter(Matcher::matches).forEach(m -> dumped.put(
                Long.parseLong(m.group(1)), m.group(2) + "=" + (m.group(3) == null ? "null" : m.group(3))));
        Map<Long, String> kept = keptBelow(written, cleanedTo);
        assertEquals(kept, dumped, "the records of the cleaned segments, as Kafka reads them:\n" + output);
        assertTrue(kept.containsValue("k7=null"), "k7's tombstone, within delete.retention.ms, is among them");
        // Kafka notes every gap between consecutive records of a file: here exactly the holes compaction left.
        assertEquals(gaps(kept.keySet(), cleaned), output.lines().map(GAP::matcher).filter(Matcher::matches)
                .map(m -> m.group(1) + "->" + m.group(2)).sorted().toList(), "the offset gaps it notes");
    }

    /** "a->b" for each record offset b of a file whose previous record there is a (-1 before the first), b != a + 1. */
    private static List<String> gaps(Collection<Long> offsets, List<Path> files) {
        List<Long> bases = files.stream().map(f -> Long.parseLong(f.getFileName().toString().substring(0, 20))).toList();
        List<String> gaps = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            long from = bases.get(i);
            long to = i + 1 < bases.size() ? bases.get(i + 1) : Long.MAX_VALUE;
            long previous = -1;
            for (long offset : offsets) {
                if (offset >= from && offset < to) {
                    if (offset != previous + 1) {
                        gaps.add(previous + "->" + offset);
                    }
                    previous = offset;
                }
            }
        }
        return gaps.stream().sorted().toList();
    }

    /**
     * What a compaction of the offsets below {@code end} keeps of them: the last record of each key there, tombstones
     * included (they are within delete.retention.ms, a day).
     */
    private static Map<Long, String> keptBelow(Map<Long, String> written, long end) {
        Map<String, Long> last = new TreeMap<>();
        written.forEach((offset, record) -> {
            if (offset < end) {
                last.put(record.substring(0, record.indexOf('=')), offset);
            }
        });
        Map<Long, String> kept = new TreeMap<>();
        last.values().forEach(offset -> kept.put(offset, written.get(offset)));
        return kept;
    }

    private long cleanedUpTo() throws IOException {
        Path checkpoint = dataDir.resolve("cleaner-offset-checkpoint");
        if (!Files.exists(checkpoint)) {
            return -1;
        }
        return Files.readAllLines(checkpoint).stream().filter(l -> l.startsWith(TOPIC + "-0 "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
    }

    /** Runs DumpLogSegments on {@code files} in a child JVM; fails unless it exits with status 0. */
    private String dump(Path kafkaLib, Path kafkaTools, List<Path> files) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = work.resolve("dump.txt");
        Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp",
                kafkaTools.toAbsolutePath() + "/*:" + kafkaLib.toAbsolutePath() + "/*", TOOL,
                "--files", files.stream().map(Path::toString).collect(Collectors.joining(",")),
                "--print-data-log", "--deep-iteration")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean exited = process.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(exited, "DumpLogSegments did not finish within 120 s:\n" + output);
        assertEquals(0, process.exitValue(), "DumpLogSegments failed:\n" + output);
        return output;
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
