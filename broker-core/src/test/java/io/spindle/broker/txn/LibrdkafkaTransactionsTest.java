package io.spindle.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spindle.broker.LocalBroker;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * librdkafka's transactions against the broker: python3-confluent-kafka (the Debian package, so the system
 * {@code /usr/bin/python3}) runs {@code librdkafka/transactions.py} as a child process, which commits a transaction,
 * aborts one whose records reached the broker, commits another, and reads back with a read_committed consumer.
 * Skipped, saying why, where the module is not installed.
 */
class LibrdkafkaTransactionsTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String TOPIC = "rd-payments";

    @TempDir
    Path dataDir;

    @Test
    void librdkafkaCommitsAndAbortsAndItsReadCommittedConsumerSeesOnlyCommittedRecords() throws Exception {
        assumeTrue(confluentKafkaInstalled(), PYTHON + " cannot import confluent_kafka (apt-get install python3-confluent-kafka)");
        try (LocalBroker broker = LocalBroker.start(dataDir)) {
            broker.createTopic(TOPIC, 2);
            List<String> committed = new ArrayList<>();
            IntStream.range(0, 6).forEach(i -> committed.add(i % 2 + ":committed-" + i));
            IntStream.range(0, 4).forEach(i -> committed.add(i % 2 + ":committed-after-abort-" + i));

            List<String> seenByLibrdkafka = run(script(), broker.bootstrapServers(), TOPIC, "rd-tx").stream()
                    .map(line -> line.split("\t"))
                    .map(fields -> fields[0] + ":" + fields[2])
                    .toList();

            assertEquals(byPartition(committed), byPartition(seenByLibrdkafka));
            assertEquals(byPartition(committed), byPartition(readCommittedWithKafkaClients(broker, committed.size())));
        }
    }

    /** The records of partition 0 in order, then those of partition 1: the order a partition promises. */
    private static List<String> byPartition(List<String> records) {
        List<String> ordered = new ArrayList<>(records.stream().filter(r -> r.startsWith("0:")).toList());
        ordered.addAll(records.stream().filter(r -> r.startsWith("1:")).toList());
        return ordered;
    }

    private static List<String> readCommittedWithKafkaClients(LocalBroker broker, int count) {
        List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
        try (KafkaConsumer<byte[], byte[]> consumer = broker.consumer(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r ->
                        records.add(r.partition() + ":" + new String(r.value(), StandardCharsets.UTF_8)));
                return records.size() >= count;
            });
            // Whatever a wrong broker would deliver beyond the committed records shows up in one more poll.
            consumer.poll(Duration.ofMillis(300)).forEach(r ->
                    records.add(r.partition() + ":" + new String(r.value(), StandardCharsets.UTF_8)));
            return records;
        }
    }

    private static boolean confluentKafkaInstalled() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import confluent_kafka")
                .redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    }

    private static Path script() throws URISyntaxException {
        return Path.of(LibrdkafkaTransactionsTest.class.getResource("/librdkafka/transactions.py").toURI());
    }

    /** Runs the script with a deadline and returns its stdout lines; fails with its stderr when it exits non-zero. */
    private List<String> run(Path script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        command.addAll(List.of(args));
        Path stderr = dataDir.resolve("python-stderr.txt");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        process.getOutputStream().close();
        byte[] stdout = process.getInputStream().readAllBytes();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 90 s");
        }
        assertEquals(0, process.exitValue(), command + " failed: " + Files.readString(stderr));
        return new String(stdout, StandardCharsets.UTF_8).lines().toList();
    }
}
