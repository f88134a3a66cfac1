package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.PacedProducer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling restart of three brokers (child processes; each stopped cleanly with SIGTERM and started again, one at a
 * time) while a producer (acks=all, idempotent) writes to every partition of a 6-partition topic and a consumer reads
 * them. With one replica per partition, the partitions of the stopped broker have no leader until it is back; the
 * others keep being acknowledged meanwhile, and every acknowledged record is read back at the offset it was
 * acknowledged at.
 */
class RollingRestartTest {
    private static final String TOPIC = "rolling";
    private static final int PARTITIONS = 6;
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** New acknowledgements each partition must get while a broker is down (its own) or after it is back (the rest). */
    private static final long PROGRESS = 20;

    @TempDir
    Path tempDir;

    @Test
    void partitionsOfTheRunningBrokersStayWritableAndNothingAcknowledgedIsLost() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir, Map.of("broker.session.timeout.ms", "3000",
                "broker.heartbeat.interval.ms", "500"))) {
            Map<Integer, Integer> leaders = createTopic(cluster);
            Map<TopicPartition, Map<Long, String>> consumed = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService reader = Executors.newSingleThreadExecutor();
            Properties config = PacedProducer.config(cluster.bootstrapServers(), "all");
            config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            // A steady trickle (about 2,500 records/s) rather than a flood of batches queued for the stopped broker's
            // partitions. A send that fails (none should, within the delivery timeout) was not acknowledged, so it is
            // not among the records that must be read back.
            PacedProducer producer = PacedProducer.start("record", TOPIC, PARTITIONS, config, 50, 20);
            try {
                Future<?> consumer = reader.submit(() -> consume(cluster.bootstrapServers(), stop, consumed));
                awaitProgress(producer, allPartitions(), "before the first restart");
                for (int node = 1; node <= 3; node++) {
                    int stopped = node;
                    List<Integer> others = IntStream.range(0, PARTITIONS).filter(p -> leaders.get(p) != stopped)
                            .boxed().toList();
                    cluster.stop(node);
                    awaitProgress(producer, others, "while broker " + node + " was stopped");
                    cluster.restart(node);
                    awaitProgress(producer, allPartitions(), "after broker " + node + " was back");
                }
                stop.set(true);
                producer.stop(WAIT);
                consumer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } finally {
                stop.set(true);
                producer.close();
                reader.shutdownNow();
            }
            Map<TopicPartition, Map<Long, String>> acknowledged = producer.acknowledged();
            Map<TopicPartition, Map<Long, String>> everything = PacedProducer.readBack(cluster.bootstrapServers(),
                    acknowledged, WAIT);
            for (Map.Entry<TopicPartition, Map<Long, String>> partition : acknowledged.entrySet()) {
                Map<Long, String> read = everything.getOrDefault(partition.getKey(), Map.of());
                assertEquals(Map.of(), PacedProducer.notReadBack(partition.getValue(), read),
                        "acknowledged records of " + partition.getKey() + " not read back");
                Map<Long, String> seen = consumed.getOrDefault(partition.getKey(), Map.of());
                seen.forEach((offset, value) -> assertEquals(read.get(offset), value,
                        "the running consumer read another record at " + partition.getKey() + "@" + offset));
            }
        }
    }

    /** Creates the topic and returns each partition's leader, which is where its one replica lives. */
    private static Map<Integer, Integer> createTopic(ClusterProcesses cluster) throws Exception {
        try (Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            // Placed by hand, two partitions per broker: placement balances against the internal topics too, which
            // may all sit on one broker and leave it none of this topic's partitions.
            Map<Integer, List<Integer>> assignment = new HashMap<>();
            IntStream.range(0, PARTITIONS).forEach(p -> assignment.put(p, List.of(p % 3 + 1)));
            admin.createTopics(List.of(new NewTopic(TOPIC, assignment))).all().get(30, TimeUnit.SECONDS);
            Map<Integer, Integer> leaders = new HashMap<>();
            await().atMost(WAIT).untilAsserted(() -> {
                TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(TOPIC);
                description.partitions().forEach(p -> leaders.put(p.partition(), p.leader() == null ? -1 : p.leader().id()));
                assertTrue(leaders.values().stream().allMatch(id -> id >= 1), leaders.toString());
            });
            assertEquals(3, new HashSet<>(leaders.values()).size(), "partitions spread over all brokers: " + leaders);
            return leaders;
        }
    }

    private static List<Integer> allPartitions() {
        return IntStream.range(0, PARTITIONS).boxed().toList();
    }

    /** Waits until each of {@code partitions} has {@value #PROGRESS} more acknowledged records than now. */
    private static void awaitProgress(PacedProducer producer, List<Integer> partitions, String when) {
        PacedProducer.awaitProgress(List.of(producer), partitions, PROGRESS, WAIT, when);
    }

    /** Reads every partition from the beginning until stopped, keeping what it read. */
    private static Void consume(String bootstrap, AtomicBoolean stop, Map<TopicPartition, Map<Long, String>> consumed) {
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!stop.get()) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    consumed.computeIfAbsent(new TopicPartition(TOPIC, record.partition()), tp -> new ConcurrentHashMap<>())
                            .put(record.offset(), record.value());
                }
            }
        }
        return null;
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }
}
