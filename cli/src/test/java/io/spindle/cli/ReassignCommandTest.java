package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spindle topic reassign}'s --list, --verify and --cancel on a move that cannot complete (its new broker is
 * stopped), against three brokers in this process; BrokerJoinsLaterTest moves partitions to the end.
 */
class ReassignCommandTest {
    @TempDir
    Path root;

    @Test
    void aMoveInProgressIsListedVerifiedAsMovingAndCancelled() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 3, Map.of())) {
            await().atMost(Duration.ofSeconds(30)).until(cluster::ready);
            cluster.admin(1).createTopics(List.of(new NewTopic("stuck", Map.of(0, List.of(1), 1, List.of(2)))))
                    .all().get();
            cluster.broker(3).close();      // registered but fenced: it never catches up
            String bootstrap = cluster.broker(1).bootstrapServers();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.broker(1).broker().metadataAuthority().liveBrokers().size() == 2);

            Cli.Result started = Cli.on(bootstrap, "topic", "reassign", "stuck", "--brokers", "3,2");
            assertEquals(0, started.status(), started::toString);
            assertEquals(List.of("Partition 0: [1] -> [3]", "Started moving 1 partition(s) of topic stuck; follow them "
                    + "with --verify"), started.outLines(), "partition 1 is on broker 2 (position 1) already");

            Cli.Result listed = Cli.on(bootstrap, "topic", "reassign", "stuck", "--list");
            assertEquals(List.of("PARTITION  REPLICAS  ADDING  REMOVING", "0          3,1       3       1"),
                    listed.outLines(), listed::toString);
            Cli.Result verified = Cli.on(bootstrap, "topic", "reassign", "stuck", "--verify");
            assertEquals(List.of("PARTITION  REPLICAS  STATUS", "0          3,1       moving: adding 3, removing 1",
                    "1          2         in place", "1 of 2 partition(s) of topic stuck are still moving"),
                    verified.outLines(), verified::toString);

            Cli.Result cancelled = Cli.on(bootstrap, "topic", "reassign", "stuck", "--cancel");
            assertEquals(List.of("Cancelled the moves of 1 partition(s) of topic stuck: they are back on their "
                    + "original replicas"), cancelled.outLines(), cancelled::toString);
            assertTrue(Cli.on(bootstrap, "topic", "reassign", "stuck", "--verify").out()
                    .contains("All 2 partition(s) of topic stuck are in place"));
        }
    }

    @Test
    void exactlyOneModeIsNeeded() {
        Cli.Result none = Cli.run("topic", "reassign", "t");
        assertEquals(SpindleCommand.BAD_USAGE, none.status(), none::toString);
        assertTrue(none.err().contains("Give exactly one of --brokers ID,ID,..., --list, --verify or --cancel"),
                none::toString);
        Cli.Result two = Cli.run("topic", "reassign", "t", "--list", "--cancel");
        assertEquals(SpindleCommand.BAD_USAGE, two.status(), two::toString);
    }
}
