package io.spindle.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.QuorumInfo.ReplicaState;
import org.apache.kafka.clients.admin.RaftVoterEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafka-clients' {@code Admin.describeMetadataQuorum} against three brokers as child processes: every broker answers
 * with what the quorum leader knows, whichever broker the call reaches, also after the leader is killed.
 */
class DescribeQuorumTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void everyBrokerDescribesTheQuorumAsItsLeaderSeesItAndAKilledLeaderIsReplacedInTheDescription() throws Exception {
        try (ClusterProcesses cluster = ClusterProcesses.start(3, dir, Map.of());
             Admin at1 = ClusterUpCommandTest.admin(cluster.bootstrapServers(1));
             Admin at2 = ClusterUpCommandTest.admin(cluster.bootstrapServers(2));
             Admin at3 = ClusterUpCommandTest.admin(cluster.bootstrapServers(3))) {
            List<Admin> admins = List.of(at1, at2, at3);
            // Each broker answers the leader's description: the same leader and epoch from all three.
            QuorumInfo first = await().atMost(WAIT).ignoreExceptions().until(() -> describe(at1),
                    info -> followersHeardFrom(info)
                            && admins.stream().allMatch(admin -> sameLeadership(info, describeUnchecked(admin))));
            int leader = first.leaderId();
            assertEquals(leader, at2.describeCluster().controller().get(30, TimeUnit.SECONDS).id());
            assertEquals(Set.of(1, 2, 3), ids(first.voters()), first.toString());
            assertTrue(first.observers().isEmpty(), first.toString());
            assertTrue(first.leaderEpoch() >= 1 && first.highWatermark() > 0, first.toString());
            for (int node = 1; node <= 3; node++) {
                // Each member's Raft address: the layout's port P+100+i-1, 100 above its Kafka port.
                assertEquals(List.of(new RaftVoterEndpoint("RAFT", "127.0.0.1", cluster.kafkaPort(node) + 100)),
                        first.nodes().get(node).endpoints(), first.toString());
            }
            ReplicaState leaderState = state(first, leader);
            assertTrue(leaderState.logEndOffset() >= first.highWatermark(), first.toString());
            assertFalse(leaderState.lastFetchTimestamp().isPresent(), first.toString());
            for (ReplicaState voter : first.voters()) {
                assertTrue(voter.lastCaughtUpTimestamp().isPresent(), first.toString());
            }

            // A change committed through a follower moves the high watermark, described through another follower.
            int follower = leader == 1 ? 2 : 1;
            int other = 6 - leader - follower;
            admins.get(follower - 1).createTopics(List.of(new NewTopic("moves-it", 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
            QuorumInfo after = describe(admins.get(other - 1));
            assertTrue(after.highWatermark() > first.highWatermark(), first + " then " + after);

            // kill -9 of the leader: the survivors elect another, at a later epoch; the killed one stops fetching.
            cluster.kill(leader);
            long killedAt = System.currentTimeMillis();
            QuorumInfo elected = await().atMost(WAIT).until(() -> describe(admins.get(follower - 1)),
                    info -> info.leaderId() >= 1 && info.leaderId() != leader);
            assertTrue(elected.leaderEpoch() > first.leaderEpoch(), first + " then " + elected);
            assertEquals(Set.of(1, 2, 3), ids(elected.voters()), elected.toString());
            ReplicaState killed = state(elected, leader);
            assertTrue(killed.lastFetchTimestamp().orElse(-1) <= killedAt, elected.toString());
            QuorumInfo sameAtOther = describe(admins.get(other - 1));
            assertEquals(elected.leaderId(), sameAtOther.leaderId());
            assertNotEquals(leader, sameAtOther.leaderId());
        }
    }

    static QuorumInfo describe(Admin admin) throws Exception {
        return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
    }

    private static QuorumInfo describeUnchecked(Admin admin) {
        try {
            return describe(admin);
        } catch (Exception e) {
            throw new IllegalStateException("describeMetadataQuorum failed", e);
        }
    }

    /** Whether the leader has heard from every other voter within the last 10 s. */
    private static boolean followersHeardFrom(QuorumInfo info) {
        long now = System.currentTimeMillis();
        return info.voters().stream().filter(voter -> voter.replicaId() != info.leaderId())
                .allMatch(voter -> voter.logEndOffset() > 0 && voter.lastFetchTimestamp().orElse(0) > now - 10_000
                        && voter.lastCaughtUpTimestamp().isPresent());
    }

    private static boolean sameLeadership(QuorumInfo one, QuorumInfo other) {
        return one.leaderId() == other.leaderId() && one.leaderEpoch() == other.leaderEpoch();
    }

    static Set<Integer> ids(List<ReplicaState> replicas) {
        return replicas.stream().map(ReplicaState::replicaId).collect(Collectors.toSet());
    }

    static ReplicaState state(QuorumInfo info, int node) {
        return info.voters().stream().filter(voter -> voter.replicaId() == node).findFirst()
                .or(() -> info.observers().stream().filter(observer -> observer.replicaId() == node).findFirst())
                .orElseThrow(() -> new AssertionError("node " + node + " is not in " + info));
    }
}
