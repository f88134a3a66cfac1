package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * librdkafka (python3-confluent-kafka, the Debian package run by {@code /usr/bin/python3}) through a kill -9 of the
 * leader of the partition it uses, with brokers as child processes, replication factor 3 and min.insync.replicas=2: an
 * idempotent acks=all producer ({@code librdkafka/failover.py produce}) and a consumer in a group (whose coordinator is
 * on another broker: coordinators' logs are not replicated) keep going through the failover. The producer gets no
 * failed delivery report and no fatal error, every record it was told was delivered is read by the consumer, at the
 * offset it was delivered at. Skipped, saying why, where the module is not installed.
 */
class LibrdkafkaFailoverTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String TOPIC = "rd-failover";
    private static final String GROUP = "rd-failover-readers";
    private static final int COUNT = 1500;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path tempDir;

    @Test
    void librdkafkaProducerAndConsumerGoOnThroughAKilledLeaderSeeingOnlyRetries() throws Exception {
        assumeTrue(confluentKafkaInstalled(), PYTHON + " cannot import confluent_kafka (apt-get install python3-confluent-kafka)");
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir.resolve("cluster"))) {
            int leader = createTopicAwayFromTheCoordinator(cluster);
            Path produced = tempDir.resolve("produced.txt");
            Path consumed = tempDir.resolve("consumed.txt");
            Process consumer = python(consumed, "consume", cluster.bootstrapServers(), TOPIC, GROUP,
                    Integer.toString(COUNT));
            Process producer = python(produced, "produce", cluster.bootstrapServers(), TOPIC, Integer.toString(COUNT));
            try {
                await("300 deliveries before the kill").atMost(WAIT).until(() -> lines(produced, "acked").size() >= 300);
                cluster.kill(leader);
                assertTrue(producer.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the producer did not finish");
                assertTrue(consumer.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the consumer did not finish");
            } finally {
                producer.destroyForcibly();
                consumer.destroyForcibly();
            }
            assertEquals(List.of(), lines(produced, "failed"), "failed deliveries");
            assertEquals(List.of(), lines(produced, "fatal"), "fatal producer errors");
            assertEquals(List.of(), lines(consumed, "fatal"), "fatal consumer errors");
            Map<String, String> delivered = offsetsByValue(lines(produced, "acked"));
            assertEquals(COUNT, delivered.size(), "every record delivered once: " + Files.readString(produced));
            Map<String, String> read = offsetsByValue(lines(consumed, "read"));
            Map<String, String> missing = new HashMap<>(delivered);
            missing.entrySet().removeIf(e -> e.getValue().equals(read.get(e.getKey())));
            assertEquals(Map.of(), missing, "delivered records the consumer did not read at their offset");
        }
    }

    /** One partition, replicas on all three brokers, led by one that does not coordinate the group; returns it. */
    private static int createTopicAwayFromTheCoordinator(ClusterProcesses cluster) throws Exception {
        try (Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            // Every group's coordinator is the leader of the offsets topic's one partition.
            int coordinator = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("__consumer_offsets").partitions().get(0).leader().id();
            int leader = coordinator % 3 + 1;
            List<Integer> replicas = IntStream.range(0, 3).mapToObj(i -> (leader - 1 + i) % 3 + 1).toList();
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, replicas))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).untilAsserted(() -> {
                TopicPartitionInfo partition = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(TOPIC).partitions().get(0);
                assertEquals(leader, partition.leader() == null ? -1 : partition.leader().id(), partition.toString());
                assertEquals(3, partition.isr().size(), partition.toString());
            });
            return leader;
        }
    }

    private Process python(Path output, String... args) throws IOException, URISyntaxException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        process.getOutputStream().close();
        return process;
    }

    /** The lines of {@code file} that start with {@code kind}, without it. */
    private static List<String> lines(Path file, String kind) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().filter(line -> line.startsWith(kind + " "))
                .map(line -> line.substring(kind.length() + 1)).toList();
    }

    /** "offset value" lines as value to offset, failing on a value seen at two offsets. */
    private static Map<String, String> offsetsByValue(List<String> lines) {
        Map<String, String> offsets = new HashMap<>();
        for (String line : lines) {
            String[] fields = line.split(" ", 2);
            String before = offsets.put(fields[1], fields[0]);
            assertTrue(before == null || before.equals(fields[0]), fields[1] + " at offsets " + before + " and "
                    + fields[0]);
        }
        return offsets;
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
        return Path.of(LibrdkafkaFailoverTest.class.getResource("/librdkafka/failover.py").toURI());
    }
}
