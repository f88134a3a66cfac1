package io.spindle.broker.streams;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.broker.LocalBroker;
import io.spindle.config.BrokerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams 4.4.0 with {@code exactly_once_v2} on the broker: {@link WordCountApp} in a child JVM, killed with
 * SIGKILL while it works through its input, and a second instance with an empty state directory (so it rebuilds
 * its counts from the changelog topic, read_committed) finishing the job. Exact means: in the output as a
 * read_committed consumer sees it, each word's counts are 1, 2, ..., n, with n its occurrences in the input: no
 * count lost, none repeated, none from the killed instance's unfinished transaction. The checks hold whatever
 * transaction version the broker offers; they depend only on what is committed.
 */
class WordCountExactlyOnceTest {
    private static final String INPUT = "sentences";
    private static final String OUTPUT = "word-counts";
    private static final String APPLICATION_ID = "word-count";
    private static final String REPARTITION = APPLICATION_ID + "-words-repartition";
    private static final List<String> VOCABULARY = List.of(
            "apple", "birch", "cedar", "delta", "ember", "fjord", "gale", "heron", "iris", "jade",
            "kelp", "larch", "maple", "nectar", "onyx", "pearl", "quartz", "raven", "sage", "tide");

    @TempDir
    Path dir;
    private LocalBroker broker;
    private final List<Process> apps = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private final Map<String, Long> expected = new TreeMap<>();
    private final Random random = new Random(14);
    private long sentCount;

    @BeforeEach
    void start() {
        // The killed instance's transaction is aborted by the broker at its timeout: look for it often.
        broker = LocalBroker.start(dir.resolve("broker"), Map.of(
                BrokerConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, "100"));
        broker.createTopic(INPUT, 2);
        broker.createTopic(OUTPUT, 2);
    }

    @AfterEach
    void stop() throws IOException {
        apps.forEach(Process::destroyForcibly);
        broker.close();
        // The instances' own logs, into the test's output file (surefire's -output.txt), for a failure to explain.
        for (Path log : logs) {
            System.out.println("---- " + log.getFileName() + "\n" + Files.readString(log));
        }
    }

    @Test
    void countsAreExactWhenAnInstanceIsKilledMidStreamAndOneWithAnEmptyStateDirectoryTakesOver() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = broker.producer(Map.of())) {
            send(producer, 500);
            Process first = startApp("first-state");
            await().atMost(Duration.ofSeconds(60)).until(() -> committedInput() > 0);

            long before = send(producer, 8_000) - 8_000;
            // Killed once it has committed part of the second batch, so most likely with a transaction open.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> committedInput() > before);
            first.destroyForcibly().waitFor();

            send(producer, 500);
            startApp("second-state");
        }

        Map<String, List<Long>> counts = readCountsUntilFinal();
        expected.forEach((word, n) -> assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), counts.get(word),
                "the counts written for '" + word + "'"));
        assertEquals(expected.keySet(), counts.keySet());
        // Streams deletes what it has consumed of its repartition topic (DeleteRecords) after each commit.
        await().atMost(Duration.ofSeconds(30)).until(() -> earliestOffsets(REPARTITION).values().stream().allMatch(o -> o > 0));
    }

    private Map<TopicPartition, Long> earliestOffsets(String topic) {
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of())) {
            return consumer.beginningOffsets(partitions);
        }
    }

    /** Sends {@code sentences} sentences of one to five words, adds their words to {@link #expected}; returns how many sentences were sent in all. */
    private long send(KafkaProducer<byte[], byte[]> producer, int sentences) throws Exception {
        for (int i = 0; i < sentences; i++) {
            List<String> words = new ArrayList<>();
            int length = 1 + random.nextInt(5);
            for (int w = 0; w < length; w++) {
                String word = VOCABULARY.get(random.nextInt(VOCABULARY.size()));
                words.add(word);
                expected.merge(word, 1L, Long::sum);
            }
            producer.send(new ProducerRecord<>(INPUT, null, String.join(" ", words).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
        sentCount += sentences;
        return sentCount;
    }

    /** The input offsets the application has committed, summed over the input partitions. */
    private long committedInput() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                broker.admin().listConsumerGroupOffsets(APPLICATION_ID).partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream()
                .filter(e -> e.getKey().topic().equals(INPUT) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset())
                .sum();
    }

    /** Every count in the output, per word in order, read_committed, until each word's last count is its total. */
    private Map<String, List<Long>> readCountsUntilFinal() {
        List<TopicPartition> partitions = List.of(new TopicPartition(OUTPUT, 0), new TopicPartition(OUTPUT, 1));
        Map<String, List<Long>> counts = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Runnable poll = () -> consumer.poll(Duration.ofMillis(200)).forEach(r -> counts
                    .computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), word -> new ArrayList<>())
                    .add(ByteBuffer.wrap(r.value()).getLong()));
            await().atMost(Duration.ofSeconds(90)).failFast("a word count instance stopped", this::anAppExited)
                    .until(() -> {
                        poll.run();
                        return expected.entrySet().stream().allMatch(e -> {
                            List<Long> written = counts.get(e.getKey());
                            return written != null && written.get(written.size() - 1).equals(e.getValue());
                        });
                    });
            // Whatever a wrong broker or client would add after the final counts shows up in one more poll.
            poll.run();
        }
        return counts;
    }

    private boolean anAppExited() {
        return !apps.get(apps.size() - 1).isAlive();
    }

    private Process startApp(String stateDir) throws IOException {
        Path state = Files.createDirectories(dir.resolve(stateDir));
        Path log = dir.resolve(stateDir + ".log");
        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                WordCountApp.class.getName(),
                broker.bootstrapServers(), APPLICATION_ID, state.toString(), INPUT, OUTPUT)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        apps.add(process);
        logs.add(log);
        return process;
    }
}
