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
            ClusterRun.Target target = new ClusterRun.Target() {
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

            Map<Figure, Double> figures = ClusterRun.run(
                    new ClusterRun.Plan(3, (short) 1, 20, 3000, 1, Duration.ofSeconds(60)), target);

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
        }
    }

    @Test
    void aPlanRefusesAReplicationFactorAboveItsBrokers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClusterRun.Plan(3, (short) 4, 100, 1000, 1, Duration.ofSeconds(1)));

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
}
