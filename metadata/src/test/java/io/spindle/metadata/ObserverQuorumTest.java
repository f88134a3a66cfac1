package io.spindle.metadata;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.ClusterSettings;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import io.spindle.metadata.MetadataCommand.SetFeatureLevel;
import io.spindle.metadata.MetadataQuorum.CommandResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three voters and an observer (node 4, a Ratis listener) in this JVM, over real sockets on 127.0.0.1. */
class ObserverQuorumTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int OBSERVER = 4;

    @TempDir
    Path dir;
    private final List<MetadataQuorum> members = new ArrayList<>();
    private ClusterSettings settings;
    private int observerPort;

    @AfterEach
    void closeMembers() throws IOException {
        for (MetadataQuorum member : members) {
            member.close();
        }
    }

    private void startVoters(int snapshotInterval) throws IOException {
        settings = FreePorts.cluster(3, 60_000, snapshotInterval);
        observerPort = freePort();
        for (int id = 1; id <= 3; id++) {
            members.add(MetadataQuorum.start(settings.forNode(id), dir.resolve("node-" + id)));
        }
    }

    private MetadataQuorum startObserver() throws IOException {
        return startObserver(OBSERVER, observerPort);
    }

    private MetadataQuorum startObserver(int nodeId, int port) throws IOException {
        MetadataQuorum observer = MetadataQuorum.start(settings.forObserver(nodeId, "127.0.0.1", port),
                dir.resolve("node-" + nodeId));
        members.add(observer);
        return observer;
    }

    private MetadataQuorum leader() {
        await().atMost(WAIT).until(() -> members.stream().anyMatch(MetadataQuorum::isLeader));
        return members.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow();
    }

    /** A live broker, so that topics of replication factor 1 can be placed. */
    private void registerABroker() {
        long epoch = submit(leader(), new RegisterBroker(1, UUID.randomUUID(),
                List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092)), Optional.empty())).value();
        submit(leader(), new UnfenceBroker(1, epoch));
    }

    private static CommandResult submit(MetadataQuorum member, MetadataCommand command) {
        return member.submit(command).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    private static void awaitReceiving(MetadataQuorum observer) {
        await().atMost(WAIT).until(() -> observer.notReceivingReason().isEmpty());
    }

    @Test
    void anObserverAppliesWhatTheVotersCommitAndItsOwnCommandsReachEveryMember() throws IOException {
        startVoters(10_000);
        MetadataQuorum observer = startObserver();
        assertTrue(observer.isObserver());
        awaitReceiving(observer);
        CommandResult atVoter = submit(leader(), new SetFeatureLevel("from.voter", (short) 1));
        await().atMost(WAIT).until(() -> observer.image().featureLevel("from.voter") == 1);
        assertTrue(observer.appliedIndex() >= atVoter.index());
        CommandResult atObserver = submit(observer, new SetFeatureLevel("from.observer", (short) 2));
        assertEquals(2, atObserver.image().featureLevel("from.observer"), "applied on the observer when it returns");
        for (MetadataQuorum member : members) {
            await().atMost(WAIT).until(() -> member.image().featureLevel("from.observer") == 2);
        }
    }

    @Test
    void aVoterReadsHowFarTheObserversBrokerHasApplied() throws IOException {
        startVoters(10_000);
        MetadataQuorum observer = startObserver();
        awaitReceiving(observer);
        observer.reportApplied(() -> 4242);
        MetadataQuorum voter = members.get(0);
        await().atMost(WAIT).until(() -> voter.appliedOffset(OBSERVER).orTimeout(2, TimeUnit.SECONDS)
                .exceptionally(failure -> -1L).join() == 4242);
    }

    @Test
    void theObserverNeverLeadsAndKeepsApplyingAfterTheLeaderIsStopped() throws IOException {
        startVoters(10_000);
        MetadataQuorum observer = startObserver();
        awaitReceiving(observer);
        MetadataQuorum first = leader();
        members.remove(first);
        first.close();
        MetadataQuorum second = leader();
        assertFalse(observer.isLeader(), "an observer never stands for election");
        assertTrue(second.nodeId() <= 3, "the new leader is a voter");
        submit(observer, new SetFeatureLevel("after.failover", (short) 5));
        await().atMost(WAIT).until(() -> observer.image().featureLevel("after.failover") == 5);
        assertFalse(observer.isLeader());
    }

    @Test
    void anObserverRestartedOnItsDataCatchesUpWithWhatWasCommittedWhileItWasAway() throws IOException {
        startVoters(10);
        MetadataQuorum observer = startObserver();
        awaitReceiving(observer);
        registerABroker();
        submit(leader(), new SetFeatureLevel("before", (short) 1));
        await().atMost(WAIT).until(() -> observer.image().featureLevel("before") == 1);
        members.remove(observer);
        observer.close();
        // More than a snapshot interval while it is away: the voters snapshot, and keep the log the observer needs.
        for (int i = 0; i < 25; i++) {
            submit(leader(), new CreateTopic(UUID.randomUUID(), "away-" + i, 1, 1, Map.of(), List.of()));
        }
        MetadataImage committed = leader().image();
        MetadataQuorum back = startObserver();
        assertEquals(1, back.image().featureLevel("before"), "it recovered its own log and snapshot first");
        await().atMost(WAIT).until(() -> back.image().topics().equals(committed.topics()));
    }

    @Test
    void aNewObserverOfAQuorumThatPurgedItsLogGetsASnapshot() throws IOException {
        startVoters(10);
        registerABroker();
        // 40 entries of 40 KiB fill more than one 1 MiB log segment, so a snapshot lets the first one go.
        String bulky = "x".repeat(40 * 1024);
        for (int i = 0; i < 40; i++) {
            submit(leader(), new CreateTopic(UUID.randomUUID(), "topic-" + i, 1, 1, Map.of("note", bulky), List.of()));
        }
        for (int id = 1; id <= 3; id++) {
            Path node = dir.resolve("node-" + id);
            await().atMost(WAIT).until(() -> names(node).stream().noneMatch(n -> n.startsWith("log_0-")));
        }
        MetadataImage committed = leader().image();
        MetadataQuorum observer = startObserver();
        await().atMost(WAIT).until(() -> observer.image().topics().equals(committed.topics()));
        submit(observer, new SetFeatureLevel("after.snapshot", (short) 7));
        await().atMost(WAIT).until(() -> observer.image().featureLevel("after.snapshot") == 7);
    }

    @Test
    void anObserverTakenOutOfTheConfigurationAsksToBeAddedAgain() throws IOException {
        startVoters(10_000);
        MetadataQuorum observer = startObserver();
        awaitReceiving(observer);
        try (RaftClient admin = RaftClient.newBuilder().setProperties(RatisGroup.clientProperties())
                .setParameters(new Parameters()).setRaftGroup(RatisGroup.of(settings.voters()))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS))).build()) {
            RaftClientReply removed = admin.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                    .setServersInNewConf(settings.voters().stream()
                            .map(voter -> RatisGroup.peer(voter, RaftPeerRole.FOLLOWER)).toList())
                    .setListenersInNewConf(List.of())
                    .setServersInCurrentConf(List.of())
                    .setListenersInCurrentConf(List.of())
                    .build());
            assertTrue(removed.isSuccess(), String.valueOf(removed.getException()));
        }
        submit(leader(), new SetFeatureLevel("while.out", (short) 3));
        await().atMost(WAIT).until(() -> observer.image().featureLevel("while.out") == 3);
    }

    @Test
    void twoObserversStayInTheConfigurationTogether() throws IOException {
        startVoters(10_000);
        MetadataQuorum first = startObserver();
        MetadataQuorum second = startObserver(OBSERVER + 1, freePort());
        awaitReceiving(first);
        awaitReceiving(second);
        // Each observer checks its membership again every RECHECK_MS. With Ratis' ADD mode each check took the other
        // observer out of the configuration (see ObserverJoin): over more than two checks, both must stay in.
        await("both observers in the leader's configuration throughout")
                .during(Duration.ofMillis(2 * ObserverJoin.RECHECK_MS + 2_000)).atMost(WAIT)
                .until(() -> leader().describeQuorum().join().observers().stream()
                        .map(QuorumDescription.Member::nodeId).sorted().toList()
                        .equals(List.of(OBSERVER, OBSERVER + 1)));
        submit(leader(), new SetFeatureLevel("both", (short) 4));
        await().atMost(WAIT).until(() -> first.image().featureLevel("both") == 4
                && second.image().featureLevel("both") == 4);
    }

    @Test
    void anObserverWhoseVotersAreDownSaysItIsNotReceivingTheLog() throws IOException {
        settings = FreePorts.cluster(3, 60_000, 10_000);
        observerPort = freePort();
        MetadataQuorum observer = startObserver();
        assertTrue(observer.notReceivingReason().orElseThrow()
                .startsWith("waiting to be added to the metadata quorum as an observer (listener)"));
    }

    private static List<String> names(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
