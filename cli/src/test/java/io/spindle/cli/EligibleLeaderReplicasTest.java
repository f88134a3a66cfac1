package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.PacedProducer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eligible leader replicas and unclean-shutdown detection (KIP-966; docs/cluster.md, "Eligible leader replicas") with
 * brokers as child processes: broker 1 is the only voter, so the quorum lives through everything done to brokers 2 and
 * 3, which hold a partition with min.insync.replicas=2 (leader 2). In {@code flush.mode=interval}, where acks=all is
 * answered from the page cache, so a kill or power loss may take acknowledged records from a broker's log (in
 * {@code fsync} mode it cannot, and a killed broker stays eligible: {@code CleanShutdownTest}).
 *
 * <ol>
 *   <li>Records are acknowledged (acks=all) with both in sync.</li>
 *   <li>3 stops cleanly: the ISR shrinks to [2], below min.insync.replicas, so 3 stays eligible (ELR [3]).</li>
 *   <li>2 is killed with kill -9: the ISR empties, both are eligible, none is live: no leader.</li>
 *   <li>2 comes back. Its last stop was unclean, so it leaves the ELR and, live and unfenced, is not elected.</li>
 *   <li>3 comes back after its clean stop and is elected from the ELR; 2 follows it and rejoins the ISR only through
 *       the leader's ISR expansion, once caught up.</li>
 *   <li>Every acknowledged record is read back at the offset it was acknowledged at, and acks=all writes go on.</li>
 * </ol>
 */
class EligibleLeaderReplicasTest {
    private static final String TOPIC = "elr";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    /** Per step: each takes 0.2 to 5 s alone (the test about 40 s), so a miss means a stuck step, not a slow one. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)    // above the steps' waits: a stuck step fails with its diagnosis
    void anUncleanlyKilledLeaderIsNotElectedAndAnEligibleReplicaLeadsWithEveryAcknowledgedRecord() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.startWithVoters(3, 1, tempDir,
                Map.of("broker.session.timeout.ms", "4000", "broker.heartbeat.interval.ms", "500",
                        "flush.mode", "interval"));
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers(1))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(2, 3)))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            awaitPartition(cluster, admin, "led by 2 with both in sync",
                    p -> leader(p) == 2 && ids(p.isr()).equals(List.of(2, 3)));

            Map<Long, String> acknowledged = new LinkedHashMap<>(produce(cluster.bootstrapServers(1), "before-", 50));

            cluster.stop(3);
            awaitPartition(cluster, admin, "ISR [2] and 3 eligible after 3's clean stop",
                    p -> ids(p.isr()).equals(List.of(2)) && ids(p.elr()).equals(List.of(3)));

            cluster.kill(2);
            TopicPartitionInfo leaderless = awaitPartition(cluster, admin, "no leader, empty ISR, 3 and 2 eligible",
                    p -> leader(p) == -1 && p.isr().isEmpty() && ids(p.elr()).equals(List.of(3, 2)));
            assertEquals(List.of(), ids(leaderless.lastKnownElr()));

            cluster.restart(2);
            assertTrue(cluster.log(2).contains("its last stop was not clean"),
                    "broker 2 did not see its kill; its log ends:\n" + cluster.logTail(2));
            // Broker 2 is ready: registered and unfenced. The unfencing elects it wherever it is eligible, in the same
            // command, so a partition still without a leader now was not given to it, and nothing else would.
            TopicPartitionInfo afterKill = describe(admin);
            assertEquals(-1, leader(afterKill), "the killed broker must not lead before it has caught up: " + afterKill);
            assertEquals(List.of(), ids(afterKill.isr()));
            assertEquals(List.of(3), ids(afterKill.elr()), "broker 2 left the ELR at its unclean registration");

            cluster.restart(3);
            awaitPartition(cluster, admin, "3 elected from the ELR", p -> leader(p) == 3);
            awaitPartition(cluster, admin, "2 back in the ISR once caught up, ELR empty",
                    p -> leader(p) == 3 && ids(p.isr()).equals(List.of(3, 2)) && p.elr().isEmpty());

            acknowledged.putAll(produce(cluster.bootstrapServers(1), "after-", 10));
            Map<Long, String> read = PacedProducer.readBack(cluster.bootstrapServers(1), Map.of(PARTITION, acknowledged),
                    WAIT).getOrDefault(PARTITION, Map.of());
            assertEquals(Map.of(), PacedProducer.notReadBack(acknowledged, read), "acknowledged records were lost");
            assertEquals(acknowledged.size(), read.size(), "records read back that were never acknowledged: " + read);
        }
    }

    /** Sends {@code count} records with acks=all, one at a time; the acknowledged ones by offset. */
    private static Map<Long, String> produce(String bootstrap, String prefix, int count) throws Exception {
        Properties config = PacedProducer.config(bootstrap, "all");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        Map<Long, String> acknowledged = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String value = prefix + i;
                RecordMetadata sent = producer.send(new ProducerRecord<>(TOPIC, 0, null, value)).get(60, TimeUnit.SECONDS);
                acknowledged.put(sent.offset(), value);
            }
        }
        return acknowledged;
    }

    private interface Check {
        boolean holds(TopicPartitionInfo partition);
    }

    /**
     * Waits until the partition is as {@code what} says. A miss fails with the step, the partition as last described
     * and every broker's last log lines (the first line is all a build summary shows, so it carries the state).
     */
    private static TopicPartitionInfo awaitPartition(ClusterProcesses cluster, Admin admin, String what, Check check) {
        TopicPartitionInfo[] last = new TopicPartitionInfo[1];
        long start = System.nanoTime();
        try {
            await(what).atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                last[0] = describe(admin);
                return check.holds(last[0]);
            });
        } catch (ConditionTimeoutException e) {
            StringBuilder logs = new StringBuilder();
            for (int node = 1; node <= 3; node++) {
                logs.append("\n--- broker ").append(node).append(cluster.isRunning(node) ? "" : " (not running)")
                        .append(", last lines:\n").append(cluster.logTail(node));
            }
            throw new AssertionError("step '" + what + "' not reached in " + WAIT.toSeconds() + " s; partition last: "
                    + summary(last[0]) + logs, e);
        }
        System.out.printf("step '%s' reached in %d ms: %s%n", what, (System.nanoTime() - start) / 1_000_000,
                summary(last[0]));
        return last[0];
    }

    private static String summary(TopicPartitionInfo partition) {
        return partition == null ? "never described" : "leader " + leader(partition) + ", isr " + ids(partition.isr())
                + ", elr " + ids(partition.elr()) + ", last known elr " + ids(partition.lastKnownElr());
    }

    private static TopicPartitionInfo describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get(20, TimeUnit.SECONDS).get(TOPIC)
                .partitions().get(0);
    }

    private static int leader(TopicPartitionInfo partition) {
        return partition.leader() == null || partition.leader().isEmpty() ? -1 : partition.leader().id();
    }

    private static List<Integer> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).toList();
    }
}
