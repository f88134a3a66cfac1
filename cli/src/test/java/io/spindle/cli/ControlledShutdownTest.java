package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clean stop (SIGTERM) of a partition leader in a three-broker cluster (child processes) with replication factor 3
 * and min.insync.replicas=2, while two kafka-clients producers write to every partition: one with acks=all
 * (idempotent, the client's default) and one with acks=1 (not idempotent). The stopping broker hands its leaderships to
 * caught-up followers before it stops (controlled shutdown, docs/cluster.md), so no send fails and every acknowledged
 * record — acks=1 ones included, which a handover without waiting for the followers would lose — is read back at the
 * offset it was acknowledged at.
 *
 * <p>After the stop, acknowledgements must go on within {@link #AFTER_STOP}, less than {@code replica.lag.time.max.ms}
 * (30 s): a stopped broker left in an ISR holds the high watermark, and so every acks=all produce, back until the
 * leader shrinks it out that much later (what a new leader taking the stopping broker back into the ISR just before its
 * fence did, issue 17; {@code MetadataCommandTest.aFencedBrokerCannotJoinTheIsrSoAStoppedLeaderIsNotTakenBackAfterItsHandover}).
 */
class ControlledShutdownTest {
    private static final String TOPIC = "handover";
    private static final int PARTITIONS = 3;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long PROGRESS = 30;
    private static final Duration AFTER_STOP = Duration.ofSeconds(20);
    /**
     * Sends a producer may have unacknowledged per partition: past it that partition is skipped until some are answered,
     * so a stall does not queue tens of thousands of records that the read-back must then get through.
     */
    private static final int OUTSTANDING = 500;

    @TempDir
    Path tempDir;

    @Test
    void aCleanlyStoppedLeaderHandsOverSoNoSendFailsAndNothingAcknowledgedIsLost() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir)) {
            createTopic(cluster);
            Map<String, Map<TopicPartition, Map<Long, String>>> acknowledged = Map.of("all", new ConcurrentHashMap<>(),
                    "1", new ConcurrentHashMap<>());
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService producers = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (String acks : acknowledged.keySet()) {
                    running.add(producers.submit(() -> produce(cluster.bootstrapServers(), acks, stop,
                            acknowledged.get(acks), failures)));
                }
                awaitProgress(acknowledged, "before the stop", WAIT);
                cluster.stop(1);
                try {
                    awaitProgress(acknowledged, "after broker 1, leader of " + TOPIC + "-0, stopped", AFTER_STOP);
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(e.getMessage() + "; the brokers' ISR changes:\n" + isrEvents(cluster), e);
                }
                stop.set(true);
                for (Future<?> producer : running) {
                    producer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            } finally {
                stop.set(true);
                producers.shutdownNow();
            }
            assertEquals(List.of(), List.copyOf(failures), "sends failed");
            String stoppedLog = cluster.log(1);
            assertTrue(stoppedLog.contains("hands " + TOPIC + "-0 over to broker"),
                    "broker 1 did not hand over its partition; its log ends:\n" + cluster.logTail(1));
            for (Map.Entry<String, Map<TopicPartition, Map<Long, String>>> producer : acknowledged.entrySet()) {
                Map<TopicPartition, Map<Long, String>> read;
                try {
                    read = readAll(cluster.bootstrapServers(), producer.getValue());
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(e.getMessage() + "; the brokers' ISR changes:\n" + isrEvents(cluster), e);
                }
                for (Map.Entry<TopicPartition, Map<Long, String>> partition : producer.getValue().entrySet()) {
                    Map<Long, String> missing = new HashMap<>(partition.getValue());
                    Map<Long, String> there = read.getOrDefault(partition.getKey(), Map.of());
                    missing.entrySet().removeIf(e -> e.getValue().equals(there.get(e.getKey())));
                    assertEquals(Map.of(), missing, "records acknowledged to the acks=" + producer.getKey()
                            + " producer on " + partition.getKey() + " were lost");
                }
            }
        }
    }

    /** Replicas on every broker, partition p led by broker p + 1, every replica in sync. */
    private static void createTopic(ClusterProcesses cluster) throws Exception {
        try (Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers())) {
            Map<Integer, List<Integer>> assignment = new HashMap<>();
            IntStream.range(0, PARTITIONS).forEach(p -> assignment.put(p, List.of(p + 1, (p + 1) % 3 + 1,
                    (p + 2) % 3 + 1)));
            admin.createTopics(List.of(new NewTopic(TOPIC, assignment)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).untilAsserted(() -> {
                TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(TOPIC);
                description.partitions().forEach(p -> {
                    assertEquals(p.partition() + 1, p.leader() == null ? -1 : p.leader().id(), p.toString());
                    assertEquals(3, p.isr().size(), p.toString());
                });
            });
        }
    }

    /** The lines of every broker's log that say who led and which replicas were in sync, and when. */
    private static String isrEvents(ClusterProcesses cluster) {
        StringBuilder events = new StringBuilder();
        for (int node = 1; node <= 3; node++) {
            cluster.log(node).lines().filter(line -> line.contains("ISR of") || line.contains("hands ")
                    || line.contains("fence") || line.contains("Fencing")).forEach(line -> events.append(line).append('\n'));
        }
        return events.toString();
    }

    /** Waits until every partition has {@value #PROGRESS} more records acknowledged to each producer than now. */
    private static void awaitProgress(Map<String, Map<TopicPartition, Map<Long, String>>> acknowledged, String when,
                                      Duration within) {
        Map<String, Map<Integer, Integer>> start = new HashMap<>();
        acknowledged.forEach((acks, partitions) -> {
            Map<Integer, Integer> counts = new HashMap<>();
            IntStream.range(0, PARTITIONS).forEach(p -> counts.put(p, count(partitions, p)));
            start.put(acks, counts);
        });
        await("acknowledgements " + when).atMost(within).until(() -> acknowledged.entrySet().stream()
                .allMatch(producer -> IntStream.range(0, PARTITIONS).allMatch(p ->
                        count(producer.getValue(), p) >= start.get(producer.getKey()).get(p) + PROGRESS)));
    }

    private static int count(Map<TopicPartition, Map<Long, String>> acknowledged, int partition) {
        return acknowledged.getOrDefault(new TopicPartition(TOPIC, partition), Map.of()).size();
    }

    /** Sends to every partition in turn until stopped; keeps what was acknowledged and every failure's reason. */
    private static Void produce(String bootstrap, String acks, AtomicBoolean stop,
                                Map<TopicPartition, Map<Long, String>> acknowledged, Queue<String> failures)
            throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, acks);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(acks.equals("all")));
        config.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        AtomicInteger[] outstanding = IntStream.range(0, PARTITIONS).mapToObj(p -> new AtomicInteger())
                .toArray(AtomicInteger[]::new);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (long i = 0; !stop.get(); i++) {
                int partition = (int) (i % PARTITIONS);
                if (outstanding[partition].get() >= OUTSTANDING) {
                    Thread.sleep(1);    // that partition is stalled: no more records queued for it meanwhile
                    continue;
                }
                outstanding[partition].incrementAndGet();
                String value = "acks=" + acks + "-" + i;
                producer.send(new ProducerRecord<>(TOPIC, partition, null, value), (metadata, error) -> {
                    outstanding[partition].decrementAndGet();
                    if (error != null) {
                        failures.add(value + " to partition " + partition + ": " + error);
                    } else {
                        acknowledged.computeIfAbsent(new TopicPartition(TOPIC, metadata.partition()),
                                tp -> new ConcurrentHashMap<>()).put(metadata.offset(), value);
                    }
                });
                if (i % 30 == 29) {
                    Thread.sleep(10);   // pacing, not waiting: a steady stream on two shared cores
                }
            }
            producer.flush();
        }
        return null;
    }

    /** Every record of the topic up to the last acknowledged offset of each partition, by partition and offset. */
    private static Map<TopicPartition, Map<Long, String>> readAll(String bootstrap,
                                                                 Map<TopicPartition, Map<Long, String>> acknowledged) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        acknowledged.forEach((tp, records) -> ends.put(tp, records.keySet().stream().mapToLong(Long::longValue).max()
                .orElse(-1) + 1));
        Map<TopicPartition, Map<Long, String>> read = new HashMap<>();
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(ends.keySet());
            consumer.seekToBeginning(ends.keySet());
            await("reading back every acknowledged record").atMost(WAIT).pollInSameThread().until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    read.computeIfAbsent(new TopicPartition(TOPIC, record.partition()), tp -> new HashMap<>())
                            .put(record.offset(), record.value());
                }
                Set<TopicPartition> done = new HashSet<>();
                ends.forEach((tp, end) -> {
                    if (consumer.position(tp) >= end) {
                        done.add(tp);
                    }
                });
                return done.size() == ends.size();
            });
        }
        return read;
    }
}
