package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.perf.ClusterRun.Figure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spindle perf cluster}'s measurements against three Spindle brokers of one cluster in this JVM (the command
 * starts them as child processes; the figures here mean nothing, only what the run did to the cluster is checked).
 */
class ClusterRunTest {
    @TempDir
    Path dir;

    @Test
    void aRunCreatesItsTopicsOnEveryBrokerAndProducesEveryRecordToPartitionsLedByAllThree() throws Exception {
        long started = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.start(dir, 3, Map.of())) {
            List<String> nodes = cluster.brokers().stream().map(LocalBroker::bootstrapServers).toList();
            ClusterRun.Target target = target(nodes, started);

            Map<Figure, Double> figures = ClusterRun.run(
                    plan((short) 1, 20, 3000, 1), target);

            assertTrue(figures.get(Figure.START_TO_READY) > 0 && figures.get(Figure.CREATE) > 0
                    && figures.get(Figure.PRODUCE) > 0, figures.toString());
            assertEquals(3.0, figures.get(Figure.LEADING_BROKERS), "the 6 partitions are led by all three brokers");
            for (String node : nodes) {
                assertTrue(ClusterProbe.listsBrokers(node, 3), node);
                assertTrue(ClusterProbe.namesEveryLeader(node, ClusterRun.CREATE_TOPIC, 20), node);
                assertTrue(ClusterProbe.namesEveryLeader(node, ClusterRun.READY_TOPIC, 1), node);
            }
            assertEquals(3000, Topics.endOffsetSum(cluster.bootstrapServers(), ClusterRun.PRODUCE_TOPIC));
            assertEquals(3000, Topics.endOffsetSum(cluster.bootstrapServers(), "warmup1-" + ClusterRun.PRODUCE_TOPIC));
            assertTrue(figures.get(Figure.E2E_P99) > 0 && figures.get(Figure.E2E_RATE) > 0, figures.toString());
            assertTrue(Topics.endOffsetSum(cluster.bootstrapServers(), ClusterRun.E2E_TOPIC) > 0, "the e2e run sent records");
            assertEquals(Map.of(), topicConfigs(cluster.bootstrapServers(), ClusterRun.PRODUCE_TOPIC, ClusterRun.MIN_INSYNC_REPLICAS),
                    "replication factor 1 sets no topic settings");
        }
    }

    @Test
    void withReplicationFactor3TheProducedTopicsHaveThreeReplicasAndMinInsyncReplicas2() throws Exception {
        long started = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.start(dir, 3, Map.of())) {
            List<String> nodes = cluster.brokers().stream().map(LocalBroker::bootstrapServers).toList();

            Map<Figure, Double> figures = ClusterRun.run(plan((short) 3, 3, 1000, 0), target(nodes, started));

            assertTrue(figures.get(Figure.PRODUCE) > 0 && figures.get(Figure.E2E_P99) > 0, figures.toString());
            for (String topic : List.of(ClusterRun.PRODUCE_TOPIC, ClusterRun.E2E_TOPIC)) {
                try (Admin admin = Topics.admin(cluster.bootstrapServers())) {
                    TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                    assertTrue(description.partitions().stream().allMatch(p -> p.replicas().size() == 3), description.toString());
                }
                assertEquals(Map.of(ClusterRun.MIN_INSYNC_REPLICAS, "2"),
                        topicConfigs(cluster.bootstrapServers(), topic, ClusterRun.MIN_INSYNC_REPLICAS), topic);
            }
            assertEquals(1000, Topics.endOffsetSum(cluster.bootstrapServers(), ClusterRun.PRODUCE_TOPIC));
        }
    }

    @Test
    void aPlanRefusesAReplicationFactorAboveItsBrokers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plan((short) 4, 100, 1000, 1));

        assertTrue(e.getMessage().contains("replication factor 4"), e.getMessage());
    }

    @Test
    void everyKafkaNodeOfAClusterNamesItselfAndTheSameVoters() {
        String voters = ClusterLauncher.voters(List.of(19101, 19102, 19103));
        Map<String, String> node2 = KafkaLauncher.serverProperties(Path.of("/data/k2"), 2, 19092, 19102, voters);

        assertEquals("1@127.0.0.1:19101,2@127.0.0.1:19102,3@127.0.0.1:19103", voters);
        assertEquals("2", node2.get("node.id"));
        assertEquals(voters, node2.get("controller.quorum.voters"));
        assertEquals("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19102", node2.get("listeners"));
        assertEquals("broker,controller", node2.get("process.roles"));
    }

    /** A run of {@code records} records per pass, and a short end-to-end run at 500 records/s. */
    private static ClusterRun.Plan plan(short replicationFactor, int createPartitions, long records, int warmupPasses) {
        return new ClusterRun.Plan(3, replicationFactor, createPartitions, records, warmupPasses, 500, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    /** The topic's settings named {@code key} that were set on it (not broker defaults). */
    private static Map<String, String> topicConfigs(String bootstrap, String topic, String key) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Topics.admin(bootstrap)) {
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            return config.entries().stream()
                    .filter(e -> e.name().equals(key) && e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                    .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value));
        }
    }

    private static ClusterRun.Target target(List<String> nodes, long started) {
        return new ClusterRun.Target() {
            @Override
            public List<String> bootstraps() {
                return nodes;
            }

            @Override
            public long startedNanos() {
                return started;
            }

            @Override
            public void requireAlive(String what) {
                // the brokers run in this JVM: they cannot have exited
            }

            @Override
            public double cpuSeconds() {
                return Double.NaN;
            }
        };
    }
}
