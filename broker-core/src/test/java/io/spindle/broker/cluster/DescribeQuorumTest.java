package io.spindle.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.broker.LocalCluster;
import io.spindle.fixtures.RawKafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeQuorum on a single broker (none) and on a cluster of one voter, and the voter changes it refuses; cli's
 * DescribeQuorumTest and VoterChangesTest run three brokers and an observer as child processes.
 */
class DescribeQuorumTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aSingleBrokerHasNoQuorumSoItNeitherAdvertisesNorAnswersDescribeQuorum(@TempDir Path dataDir) throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir); Admin admin = broker.admin()) {
            ApiVersionsResponse versions;
            try (RawKafkaConnection connection = RawKafkaConnection.to(broker.bootstrapServers())) {
                versions = connection.roundTrip(new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 3));
            }
            assertEquals(null, versions.data().apiKeys().find(ApiKeys.DESCRIBE_QUORUM.id));

            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS));
            assertInstanceOf(UnsupportedVersionException.class, failed.getCause());
        }
    }

    @Test
    void aOneVoterClusterDescribesItselfAsLeaderAndItsHighWatermarkFollowsCommits(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 1, Map.of())) {
            await().atMost(WAIT).until(cluster::ready);
            Admin admin = cluster.admin(1);
            QuorumInfo before = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertEquals(1, before.leaderId());
            assertTrue(before.leaderEpoch() >= 1, before.toString());
            assertTrue(before.highWatermark() > 0, before.toString());
            assertEquals(1, before.voters().size(), before.toString());
            assertTrue(before.observers().isEmpty(), before.toString());
            QuorumInfo.ReplicaState self = before.voters().get(0);
            assertEquals(1, self.replicaId());
            assertTrue(self.logEndOffset() >= before.highWatermark(), before.toString());
            assertFalse(self.lastFetchTimestamp().isPresent(), "the leader does not fetch: " + before);
            assertTrue(self.lastCaughtUpTimestamp().isPresent(), before.toString());
            assertEquals(1, before.nodes().get(1).endpoints().size(), before.toString());

            admin.createTopics(List.of(new NewTopic("grows", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            QuorumInfo after = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertTrue(after.highWatermark() > before.highWatermark(), before + " then " + after);
            assertEquals(before.leaderEpoch(), after.leaderEpoch());
        }
    }

    @Test
    void anyOtherPartitionThanTheMetadataOneIsUnknown(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 1, Map.of())) {
            DescribeQuorumResponse response;
            try (RawKafkaConnection connection = RawKafkaConnection.to(cluster.broker(1).bootstrapServers())) {
                DescribeQuorumRequestData data = new DescribeQuorumRequestData().setTopics(List.of(
                        new DescribeQuorumRequestData.TopicData().setTopicName("orders").setPartitions(List.of(
                                new DescribeQuorumRequestData.PartitionData().setPartitionIndex(0)))));
                response = connection.roundTrip(new DescribeQuorumRequest.Builder(data).build((short) 2));
            }
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    response.data().topics().get(0).partitions().get(0).errorCode(), response.data().toString());
        }
    }

    @Test
    void theLastVoterCannotBeRemovedNorANodeOutsideTheQuorumAdded(@TempDir Path root) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(root, 1, Map.of())) {
            await().atMost(WAIT).until(cluster::ready);
            Admin admin = cluster.admin(1);
            ExecutionException last = assertThrows(ExecutionException.class,
                    () -> admin.removeRaftVoter(1, Uuid.ZERO_UUID).all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(InvalidRequestException.class, last.getCause());
            assertTrue(last.getCause().getMessage().contains("Node 1 is the last voter"), last.getCause().getMessage());

            ExecutionException outside = assertThrows(ExecutionException.class,
                    () -> admin.addRaftVoter(7, Uuid.ZERO_UUID, Set.of()).all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(InvalidRequestException.class, outside.getCause());
            assertTrue(outside.getCause().getMessage().contains("Node 7 is not an observer"),
                    outside.getCause().getMessage());
            assertEquals(List.of(1), admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).voters()
                    .stream().map(QuorumInfo.ReplicaState::replicaId).toList());
        }
    }
}
