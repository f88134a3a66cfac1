package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.fixtures.RawKafkaConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three voters and one observer (broker 4, outside controller.quorum.voters, with its own Raft address), each a child
 * process on 127.0.0.1: the observer is a full broker that follows the metadata without voting.
 */
class ObserverBrokerTest {
    private static final int OBSERVER = 4;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void anObserverLeadsPartitionsServesClientsAndFollowsTheMetadataThroughALeaderKillAndItsOwnRestart()
            throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.startWithVoters(4, 3, dir, Map.of());
             Admin atObserver = ClusterUpCommandTest.admin(cluster.bootstrapServers(OBSERVER))) {
            assertTrue(cluster.log(OBSERVER).contains("started as an observer"), cluster.logTail(OBSERVER));

            // Placement counts the observer like any live broker: it leads some of a spread topic's partitions.
            atObserver.createTopics(List.of(new NewTopic("spread", 8, (short) 1))).all().get(30, TimeUnit.SECONDS);
            TopicDescription spread = atObserver.describeTopics(List.of("spread")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("spread");
            assertTrue(spread.partitions().stream().map(TopicPartitionInfo::leader)
                    .anyMatch(leader -> leader != null && leader.id() == OBSERVER), spread.toString());

            // A topic made at a voter is known to the observer when the call returns; the observer leads its partition.
            try (Admin atVoter = ClusterUpCommandTest.admin(cluster.bootstrapServers(1))) {
                atVoter.createTopics(List.of(new NewTopic("on-observer", Map.of(0, List.of(OBSERVER)))))
                        .all().get(30, TimeUnit.SECONDS);
            }
            assertEquals(Optional.of(OBSERVER), leaderOn(cluster, OBSERVER, "on-observer"));
            Produced.send(cluster.bootstrapServers(OBSERVER), "on-observer", "first");

            // kill -9 of the quorum leader: the observer keeps serving its partition and applying new metadata.
            int quorumLeader = quorumLeader(atObserver);
            assertTrue(quorumLeader != OBSERVER, "an observer never leads the quorum");
            cluster.kill(quorumLeader);
            Produced.send(cluster.bootstrapServers(OBSERVER), "on-observer", "after-leader-kill");
            atObserver.createTopics(List.of(new NewTopic("after-kill", Map.of(0, List.of(OBSERVER)))))
                    .all().get(30, TimeUnit.SECONDS);
            Produced.send(cluster.bootstrapServers(OBSERVER), "after-kill", "x");
            cluster.restart(quorumLeader);

            // The observer killed and restarted on its data catches up with what was committed while it was away.
            cluster.kill(OBSERVER);
            try (Admin atVoter = ClusterUpCommandTest.admin(cluster.bootstrapServers(1))) {
                atVoter.createTopics(List.of(new NewTopic("while-away", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            cluster.restart(OBSERVER);
            await().atMost(WAIT).until(() -> leaderOn(cluster, OBSERVER, "while-away").isPresent());
            Produced.send(cluster.bootstrapServers(OBSERVER), "on-observer", "after-restart");
            assertEquals(List.of("first", "after-leader-kill", "after-restart"),
                    Produced.readAll(cluster.bootstrapServers(OBSERVER), "on-observer", 3));
        }
    }

    /** The node id DescribeCluster names as the controller: the broker whose quorum member leads. */
    private static int quorumLeader(Admin admin) {
        return await().atMost(WAIT).until(() -> {
            var controller = admin.describeCluster().controller().get(10, TimeUnit.SECONDS);
            return controller == null ? -1 : controller.id();
        }, id -> id >= 1);
    }

    /** Partition 0's leader of {@code topic} in broker {@code node}'s own Metadata answer, if it knows the topic. */
    private static Optional<Integer> leaderOn(ClusterProcesses cluster, int node, String topic) throws IOException {
        MetadataResponse response;
        try (RawKafkaConnection connection = RawKafkaConnection.to(cluster.bootstrapServers(node))) {
            response = connection.roundTrip(new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)
                    .setAllowAutoTopicCreation(false)).build((short) 12));
        }
        MetadataResponseTopic described = response.data().topics().find(topic);
        if (described == null || described.errorCode() != Errors.NONE.code() || described.partitions().isEmpty()) {
            return Optional.empty();
        }
        int leader = described.partitions().stream().filter(p -> p.partitionIndex() == 0).findFirst()
                .orElseThrow().leaderId();
        return leader < 0 ? Optional.empty() : Optional.of(leader);
    }
}
