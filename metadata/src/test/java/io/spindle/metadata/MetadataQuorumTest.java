package io.spindle.metadata;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.ClusterSettings;
import io.spindle.metadata.MetadataCommand.BrokerHeartbeat;
import io.spindle.metadata.MetadataCommand.CreateTopic;
import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.SetFeatureLevel;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import io.spindle.metadata.MetadataQuorum.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three quorum members in this JVM, talking over real sockets on 127.0.0.1. */
class MetadataQuorumTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private final List<MetadataQuorum> members = new ArrayList<>();

    @AfterEach
    void closeMembers() throws IOException {
        for (MetadataQuorum member : members) {
            member.close();
        }
    }

    /** Starts members 1 to 3, each with its data directory {@code node-<id>}; returns node 1's settings. */
    private ClusterSettings startThree(int sessionTimeoutMs, int snapshotInterval) throws IOException {
        ClusterSettings settings = FreePorts.cluster(3, sessionTimeoutMs, snapshotInterval);
        for (int id = 1; id <= 3; id++) {
            members.add(MetadataQuorum.start(settings.forNode(id), dir.resolve("node-" + id)));
        }
        return settings;
    }

    private MetadataQuorum aFollower() {
        await().atMost(WAIT).until(() -> members.stream().anyMatch(MetadataQuorum::isLeader));
        return members.stream().filter(m -> !m.isLeader()).findFirst().orElseThrow();
    }

    private static CommandResult submit(MetadataQuorum member, MetadataCommand command) {
        return member.submit(command).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    private static RegisterBroker register(int id) {
        return new RegisterBroker(id, UUID.randomUUID(), List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1",
                9091 + id)), Optional.empty());
    }

    @Test
    void aCommandSubmittedOnAFollowerIsAppliedOnAllThree() throws IOException {
        startThree(60_000, 10_000);
        MetadataQuorum follower = aFollower();
        CommandResult registered = submit(follower, register(follower.nodeId()));
        assertEquals(registered.index(), registered.value(), "the broker epoch is the registration's log index");
        assertTrue(follower.image().broker(follower.nodeId()).isPresent(), "visible on the submitter when it returns");
        submit(follower, new UnfenceBroker(follower.nodeId(), registered.value()));
        UUID topicId = UUID.randomUUID();
        CommandResult created = submit(follower, new CreateTopic(topicId, "orders", 3, 1, Map.of(), List.of()));
        assertEquals(topicId, created.image().topic("orders").orElseThrow().id());
        for (MetadataQuorum member : members) {
            await().atMost(WAIT).until(() -> member.image().topic("orders").isPresent());
            assertEquals(created.image().topics(), member.image().topics());
        }
    }

    @Test
    void aRefusedCommandFailsWithItsReasonAndChangesNothing() throws IOException {
        startThree(60_000, 10_000);
        MetadataQuorum follower = aFollower();
        MetadataImage before = follower.image();
        CompletionException e = assertThrows(CompletionException.class,
                () -> submit(follower, new UnfenceBroker(42, 7)));
        MetadataException refusal = assertInstanceOf(MetadataException.class, e.getCause());
        assertEquals(MetadataException.Reason.UNKNOWN_BROKER, refusal.reason());
        assertEquals("Broker 42 is not registered", refusal.getMessage());
        assertEquals(before, follower.image());
    }

    @Test
    void listenersSeeEveryNewImageInOrder() throws IOException {
        startThree(60_000, 10_000);
        MetadataQuorum follower = aFollower();
        List<Long> offsets = new CopyOnWriteArrayList<>();
        follower.addListener(image -> offsets.add(image.offset()));
        CommandResult first = submit(follower, new SetFeatureLevel(MetadataImage.METADATA_VERSION, (short) 1));
        CommandResult second = submit(follower, new SetFeatureLevel(MetadataImage.METADATA_VERSION, (short) 2));
        assertEquals(List.of(first.index(), second.index()), offsets);
    }

    @Test
    void aBrokerWithoutHeartbeatsIsFencedByTheLeaderAndOneWithHeartbeatsIsNot() throws IOException {
        startThree(1_000, 10_000);
        MetadataQuorum follower = aFollower();
        long silent = submit(follower, register(7)).value();
        submit(follower, new UnfenceBroker(7, silent));
        long beating = submit(follower, register(8)).value();
        submit(follower, new UnfenceBroker(8, beating));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            submit(follower, new BrokerHeartbeat(8, beating));
            return follower.image().brokers().get(7).fenced() && System.nanoTime() > deadline;
        });
        assertFalse(follower.image().brokers().get(8).fenced(), "broker 8 kept sending heartbeats");
    }

    @Test
    void membersRestartFromTheirSnapshotAndTheLogAfterItWithTheLogBeforeThePurged() throws IOException {
        ClusterSettings settings = startThree(60_000, 10);
        MetadataQuorum follower = aFollower();
        long epoch = submit(follower, register(1)).value();
        submit(follower, new UnfenceBroker(1, epoch));
        // 40 entries of 40 KiB fill more than one 1 MiB log segment, so a snapshot lets the first one go.
        String bulky = "x".repeat(40 * 1024);
        for (int i = 0; i < 40; i++) {
            submit(follower, new CreateTopic(UUID.randomUUID(), "topic-" + i, 1, 1, Map.of("note", bulky), List.of()));
        }
        MetadataImage before = follower.image();
        await().atMost(WAIT).until(() -> members.stream().allMatch(m -> m.image().equals(before)));
        for (int id = 1; id <= 3; id++) {
            Path node = dir.resolve("node-" + id);
            await().atMost(WAIT).until(() -> names(node).stream().anyMatch(n -> n.startsWith("snapshot.")));
            await().atMost(WAIT).until(() -> names(node).stream().noneMatch(n -> n.startsWith("log_0-")));
        }
        closeMembers();
        members.clear();
        for (int id = 1; id <= 3; id++) {
            members.add(MetadataQuorum.start(settings.forNode(id), dir.resolve("node-" + id)));
        }
        for (MetadataQuorum member : members) {
            assertEquals(before.topics().keySet(), member.image().topics().keySet(),
                    "member " + member.nodeId() + " loaded its snapshot before serving");
            await().atMost(WAIT).until(() -> member.image().equals(before));
        }
        submit(aFollower(), new CreateTopic(UUID.randomUUID(), "after-restart", 1, 1, Map.of(), List.of()));
        for (MetadataQuorum member : members) {
            await().atMost(WAIT).until(() -> member.image().topic("after-restart").isPresent());
        }
    }

    @Test
    void aMemberStoppedWhileCommandsAreCommittedCatchesUpWhenItReturns() throws IOException {
        ClusterSettings settings = startThree(60_000, 10_000);
        MetadataQuorum stopped = aFollower();
        members.remove(stopped);
        stopped.close();
        MetadataQuorum other = members.get(0);
        submit(other, new SetFeatureLevel("while.away", (short) 3));
        MetadataQuorum back = MetadataQuorum.start(settings.forNode(stopped.nodeId()),
                dir.resolve("node-" + stopped.nodeId()));
        members.add(back);
        await().atMost(WAIT).until(() -> back.image().featureLevel("while.away") == 3);
    }

    private static List<String> names(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }
}
