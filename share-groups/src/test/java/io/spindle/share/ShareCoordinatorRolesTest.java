package io.spindle.share;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.config.FlushMode;
import io.spindle.config.ShareSettings;
import io.spindle.config.TopicConfig;
import io.spindle.groups.GroupTopics;
import io.spindle.log.FlushPolicy;
import io.spindle.log.KeyedStateLog;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.FencedStateEpochException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The share coordinator's two roles on a real state log: as coordinator it stores share-partitions for their leaders
 * and fences stale leader and state epochs; as share-partition leader it reads a share-partition when it leads its
 * topic partition and drops it when the leadership moves on.
 */
class ShareCoordinatorRolesTest {
    private static final Uuid TOPIC_ID = Uuid.randomUuid();
    private static final ShareStateRecords.Key KEY = new ShareStateRecords.Key("g", TOPIC_ID, 0);
    private static final ShareStateRecords.Snapshot STATE = new ShareStateRecords.Snapshot(5, List.of(
            new ShareStateRecords.Run(5, 6, RecordState.ACKNOWLEDGED, 1),
            new ShareStateRecords.Run(7, 7, RecordState.AVAILABLE, 2)));

    @TempDir
    Path dataDir;
    private LogManager logs;
    private ShareCoordinator coordinator;
    /** The leader epoch this broker leads the topic's partitions at; -1: it does not lead them. */
    private final AtomicInteger leaderEpoch = new AtomicInteger(3);
    private final GroupTopics topics = new GroupTopics() {
        @Override
        public OptionalInt partitionCount(String topic) {
            return topic.equals("jobs") ? OptionalInt.of(1) : OptionalInt.empty();
        }

        @Override
        public Optional<Uuid> topicId(String topic) {
            return topic.equals("jobs") ? Optional.of(TOPIC_ID) : Optional.empty();
        }

        @Override
        public Optional<String> topicName(Uuid topicId) {
            return topicId.equals(TOPIC_ID) ? Optional.of("jobs") : Optional.empty();
        }

        @Override
        public Collection<String> topicNames() {
            return List.of("jobs");
        }

        @Override
        public OptionalLong logEndOffset(String topic, int partition) {
            return OptionalLong.of(10);
        }
    };

    @BeforeEach
    void start() {
        TopicConfig config = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
        logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 60_000, topic -> config,
                Clock.systemUTC());
        PartitionLog log = logs.getOrCreate(ShareCoordinator.STATE_TOPIC, 0, config);
        coordinator = ShareCoordinator.start(log, KeyedStateLog.durableWriter(log), topics, ShareSettings.defaults(),
                Clock.systemUTC(), DeadLetterSink.NONE, (topicId, partition) -> leaderEpoch.get(),
                ShareStatePersister.NONE);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        logs.close();
    }

    @Test
    void aWriteAtAnOlderLeaderEpochThanOneThatReadIsFencedAndTheNewerOneIsStored() {
        assertEquals(Optional.empty(), coordinator.readState(KEY, 4).join().snapshot());

        assertThrows(FencedLeaderEpochException.class, () -> coordinator.writeState(KEY, 3, 0, STATE));
        coordinator.writeState(KEY, 4, 0, STATE).join();

        assertEquals(Optional.of(STATE), coordinator.readState(KEY, 4).join().snapshot());
        assertThrows(FencedLeaderEpochException.class, () -> coordinator.readState(KEY, 3));
    }

    @Test
    void alteredOffsetsRaiseTheStateEpochSoThatALeaderHoldingTheOldStateIsFencedAndReadsTheNewOne() {
        coordinator.writeState(KEY, 4, 0, STATE).join();
        leaderEpoch.set(-1);    // led by another broker

        coordinator.alterOffsets("g", Map.of(new ShareCoordinator.PartitionKey(TOPIC_ID, 0), 9L)).join();

        assertThrows(FencedStateEpochException.class, () -> coordinator.writeState(KEY, 4, 0, STATE));
        ShareStatePersister.ReadResult read = coordinator.readState(KEY, 4).join();
        assertEquals(1, read.stateEpoch());
        assertEquals(Optional.of(new ShareStateRecords.Snapshot(9, List.of())), read.snapshot());
        coordinator.writeState(KEY, 4, 1, STATE).join();
    }

    @Test
    void aLeaderReadsTheStoredSharePartitionAndDropsItWhenItsLeadershipMovesOn() {
        coordinator.writeState(KEY, 3, 0, STATE).join();
        coordinator.ensureLoaded("g", List.of(new ShareCoordinator.PartitionKey(TOPIC_ID, 0))).join();
        SharePartition held = coordinator.existing("g", TOPIC_ID, 0);
        assertNotNull(held);
        synchronized (held) {
            assertEquals(7, held.startOffset());   // 5 and 6 were acknowledged: the window starts at 7
        }

        leaderEpoch.set(-1);

        await().atMost(Duration.ofSeconds(10)).until(() -> coordinator.sharePartitions().isEmpty());
        leaderEpoch.set(4);     // leads again at a new epoch: read again, not the copy of before
        coordinator.writeState(KEY, 4, 0, new ShareStateRecords.Snapshot(9, List.of())).join();
        coordinator.ensureLoaded("g", List.of(new ShareCoordinator.PartitionKey(TOPIC_ID, 0))).join();
        SharePartition again = coordinator.existing("g", TOPIC_ID, 0);
        synchronized (again) {
            assertEquals(9, again.startOffset());
        }
    }

    @Test
    void aLeaderOnABrokerThatDoesNotCoordinateReadsTheStateAndTheGroupsConfigsThroughThePersister() {
        ShareStateRecords.Snapshot elsewhere = new ShareStateRecords.Snapshot(8, List.of(
                new ShareStateRecords.Run(8, 8, RecordState.AVAILABLE, 3)));
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        ShareStatePersister remote = new ShareStatePersister() {
            @Override
            public java.util.concurrent.CompletableFuture<ReadResult> read(ShareStateRecords.Key key, int epoch) {
                calls.add("read " + key + " at " + epoch);
                return java.util.concurrent.CompletableFuture.completedFuture(new ReadResult(Optional.of(elsewhere), 2));
            }

            @Override
            public java.util.concurrent.CompletableFuture<Void> write(ShareStateRecords.Key key, int leaderEpoch,
                                                                       int stateEpoch, ShareStateRecords.Snapshot state) {
                calls.add("write " + key + " at " + leaderEpoch + "/" + stateEpoch + ": " + state.startOffset());
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }

            @Override
            public java.util.concurrent.CompletableFuture<Map<String, String>> groupConfigs(String group) {
                calls.add("configs " + group);
                return java.util.concurrent.CompletableFuture.completedFuture(
                        Map.of("share.auto.offset.reset", "earliest", "share.delivery.count.limit", "3"));
            }
        };
        coordinator.close();
        PartitionLog log = coordinator.stateLog();
        coordinator = ShareCoordinator.start(log, KeyedStateLog.durableWriter(log), topics, ShareSettings.defaults(),
                Clock.systemUTC(), DeadLetterSink.NONE, (topicId, partition) -> leaderEpoch.get(), remote);
        coordinator.coordinatesWhen(() -> false);

        coordinator.ensureLoaded("g", List.of(new ShareCoordinator.PartitionKey(TOPIC_ID, 0))).join();

        assertEquals(io.spindle.config.ShareAutoOffsetReset.EARLIEST, coordinator.settingsFor("g").autoOffsetReset());
        assertEquals(3, coordinator.settingsFor("g").deliveryCountLimit());
        SharePartition held = coordinator.existing("g", TOPIC_ID, 0);
        synchronized (held) {
            assertEquals(8, held.startOffset());
            coordinator.persist("g", TOPIC_ID, 0, held).join();
        }
        assertEquals(List.of("configs g", "read " + KEY + " at 3", "write " + KEY + " at 3/2: 8"), calls);
    }

    @Test
    void whatLeadersWroteIsReadBackAfterTheCoordinatorRestarts() {
        leaderEpoch.set(-1);
        coordinator.writeState(KEY, 4, 0, STATE).join();

        stop();
        start();

        assertEquals(Optional.of(STATE), coordinator.readState(KEY, 4).join().snapshot());
    }
}
