package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.PacedProducer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
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

    @TempDir
    Path tempDir;

    @Test
    void aCleanlyStoppedLeaderHandsOverSoNoSendFailsAndNothingAcknowledgedIsLost() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir)) {
            createTopic(cluster);
            List<Integer> partitions = IntStream.range(0, PARTITIONS).boxed().toList();
            List<PacedProducer> producers = new ArrayList<>();
            try {
                for (String acks : List.of("all", "1")) {
                    Properties config = PacedProducer.config(cluster.bootstrapServers(), acks);
                    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(acks.equals("all")));
                    producers.add(PacedProducer.start("acks=" + acks, TOPIC, PARTITIONS, config, 30, 10));
                }
                PacedProducer.awaitProgress(producers, partitions, PROGRESS, WAIT, "before the stop");
                cluster.stop(1);
                try {
                    PacedProducer.awaitProgress(producers, partitions, PROGRESS, AFTER_STOP,
                            "after broker 1, leader of " + TOPIC + "-0, stopped");
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(e.getMessage() + "; the brokers' ISR changes:\n" + isrEvents(cluster), e);
                }
                for (PacedProducer producer : producers) {
                    producer.stop(WAIT);
                }
            } finally {
                producers.forEach(PacedProducer::close);
            }
            for (PacedProducer producer : producers) {
                assertEquals(List.of(), producer.failures(), "sends of the " + producer.name() + " producer failed");
            }
            String stoppedLog = cluster.log(1);
            assertTrue(stoppedLog.contains("hands " + TOPIC + "-0 over to broker"),
                    "broker 1 did not hand over its partition; its log ends:\n" + cluster.logTail(1));
            for (PacedProducer producer : producers) {
                Map<TopicPartition, Map<Long, String>> read;
                try {
                    read = PacedProducer.readBack(cluster.bootstrapServers(), producer.acknowledged(), WAIT);
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(e.getMessage() + "; the brokers' ISR changes:\n" + isrEvents(cluster), e);
                }
                producer.acknowledged().forEach((partition, records) -> assertEquals(Map.of(),
                        PacedProducer.notReadBack(records, read.getOrDefault(partition, Map.of())),
                        "records acknowledged to the " + producer.name() + " producer on " + partition + " were lost"));
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

    /** The lines of every broker's log that say who led and which replicas were in sync (or were refused), and when. */
    private static String isrEvents(ClusterProcesses cluster) {
        StringBuilder events = new StringBuilder();
        for (int node = 1; node <= 3; node++) {
            cluster.log(node).lines().filter(line -> line.contains("ISR of") || line.contains("ISR change")
                    || line.contains("hands ") || line.contains("fence") || line.contains("Fencing"))
                    .forEach(line -> events.append(line).append('\n'));
        }
        return events.toString();
    }
}
