package io.spindle.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.GroupSettings;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.SegmentFiles;
import io.spindle.log.FlushPolicy;
import io.spindle.log.KeyedStateLog;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator over a real partition log of __consumer_offsets: what it keeps, how big, and what it reads back. */
class GroupCoordinatorStorageTest {
    private static final int SEGMENT_BYTES = 64 * 1024;
    private static final GroupSettings SETTINGS = new GroupSettings(1_000, 60_000, 0, 3_000, 300, SEGMENT_BYTES, 128 * 1024);

    @TempDir
    Path dataDir;
    private LogManager logs;
    private GroupCoordinator coordinator;
    private final Map<String, Long> logEnds = new HashMap<>();

    private final GroupTopics topics = new GroupTopics() {
        @Override
        public OptionalInt partitionCount(String topic) {
            return OptionalInt.of(8);
        }

        @Override
        public Optional<Uuid> topicId(String topic) {
            return Optional.of(new Uuid(7, topic.hashCode()));
        }

        @Override
        public Optional<String> topicName(Uuid topicId) {
            return Optional.of("t");
        }

        @Override
        public Collection<String> topicNames() {
            return List.of();
        }

        @Override
        public OptionalLong logEndOffset(String topic, int partition) {
            Long end = logEnds.get(topic + "-" + partition);
            return end == null ? OptionalLong.empty() : OptionalLong.of(end);
        }
    };

    @BeforeEach
    void open() {
        start();
    }

    @AfterEach
    void close() {
        coordinator.close();
        logs.close();
    }

    private void start() {
        TopicConfig config = TopicConfig.defaults().with(Map.of(TopicConfig.SEGMENT_BYTES, Integer.toString(SEGMENT_BYTES),
                TopicConfig.RETENTION_MS, "-1", TopicConfig.RETENTION_BYTES, "-1", TopicConfig.CLEANUP_POLICY, "compact",
                TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 60_000, topic -> config, Clock.systemUTC());
        PartitionLog log = logs.getOrCreate(GroupCoordinator.OFFSETS_TOPIC, 0, config);
        coordinator = GroupCoordinator.start(log, topics, SETTINGS, Clock.systemUTC());
    }

    private void restart() {
        close();
        start();
    }

    private static OffsetCommitRequestData commit(String group, String topic, int partition, long offset) {
        return new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                        new OffsetCommitRequestPartition().setPartitionIndex(partition).setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(-1).setCommittedMetadata("m" + offset)))));
    }

    private Map<String, Long> fetchAll(String group) {
        OffsetFetchResponseGroup response = coordinator.fetchOffsets(new OffsetFetchRequestGroup().setGroupId(group)
                .setTopics(null)).join();
        Map<String, Long> offsets = new HashMap<>();
        for (OffsetFetchResponseTopics topic : response.topics()) {
            for (OffsetFetchResponsePartitions p : topic.partitions()) {
                offsets.put(topic.name() + "-" + p.partitionIndex(), p.committedOffset());
            }
        }
        return offsets;
    }

    private long bytesOnDisk() throws IOException {
        Path dir = dataDir.resolve(GroupCoordinator.OFFSETS_TOPIC + "-0");
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    total += Files.size(f);
                } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
                    // a segment the cleaner replaced, deleted between listing and sizing
                }
            }
            return total;
        }
    }

    @Test
    void anOffsetCommitIsFetchedOnlyOnceItsWriteIsAcknowledgedAndNeverWhenTheWriteFails() {
        // A cluster's writer: the record is in the leader's log at once, acknowledged when the in-sync replicas hold it.
        PartitionLog log = coordinator.offsetsLog();
        coordinator.close();
        List<CompletableFuture<Void>> acknowledgements = new CopyOnWriteArrayList<>();
        coordinator = GroupCoordinator.start(log, batches -> {
            log.append(batches);
            CompletableFuture<Void> acknowledged = new CompletableFuture<>();
            acknowledgements.add(acknowledged);
            return acknowledged;
        }, topics, SETTINGS, Clock.systemUTC());

        CompletableFuture<OffsetCommitResponseData> first = coordinator.commitOffsets(commit("g", "t", 0, 10));
        assertEquals(Map.of(), fetchAll("g"), "written to the leader's log only: a failover could still lose it");
        acknowledgements.get(0).complete(null);
        assertEquals(Errors.NONE.code(), first.join().topics().get(0).partitions().get(0).errorCode());
        assertEquals(Map.of("t-0", 10L), fetchAll("g"));

        CompletableFuture<OffsetCommitResponseData> second = coordinator.commitOffsets(commit("g", "t", 0, 20));
        assertEquals(Map.of("t-0", 10L), fetchAll("g"));
        acknowledgements.get(1).completeExceptionally(new IllegalStateException("the in-sync replicas shrank"));
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(),
                second.join().topics().get(0).partitions().get(0).errorCode());
        assertEquals(Map.of("t-0", 10L), fetchAll("g"), "a commit the committer was told failed is not served");
    }

    @Test
    void aHundredThousandCommitsAreCompactedToTheLatestOffsetsWhichSurviveAReopenAcrossTheHoles() throws Exception {
        int commits = 100_000;
        List<CompletableFuture<OffsetCommitResponseData>> inFlight = new ArrayList<>();
        for (int i = 0; i < commits; i++) {
            inFlight.add(coordinator.commitOffsets(commit("group-" + (i % 10), "topic-" + (i % 3), i % 8, i)));
            if (inFlight.size() == 1_000) {
                for (CompletableFuture<OffsetCommitResponseData> f : inFlight) {
                    assertEquals(Errors.NONE.code(), f.join().topics().get(0).partitions().get(0).errorCode());
                }
                inFlight.clear();
            }
        }
        inFlight.forEach(CompletableFuture::join);
        PartitionLog log = coordinator.offsetsLog();
        assertTrue(log.logEndOffset() >= commits, "every commit was written: " + log.logEndOffset());
        while (logs.cleaner().cleanOnce()) {
            // each pass cleans the log while it is dirty enough; the active segment stays as it is
        }
        // Uncompacted, the log would hold ~11 MB; compacted, 120 keys (i mod 120 picks the group, topic
        // and partition of commit i)
        // plus the active segment.
        long compacted = bytesOnDisk();
        assertTrue(compacted < 1024 * 1024, "compaction kept __consumer_offsets under 1 MiB on disk, was " + compacted);
        assertEquals(0, log.logStartOffset(), "the coordinator deletes no segments itself: the offsets have holes");

        Map<String, Long> before = fetchAll("group-7");
        restart();
        assertEquals(before, fetchAll("group-7"));
        // The last commit of group-7 was i = 99_997: topic-1, partition 5.
        assertEquals(99_997L, fetchAll("group-7").get("topic-1-5"));
        for (int g = 0; g < 10; g++) {
            assertEquals(12, fetchAll("group-" + g).size(), "group-" + g + " keeps an offset for each partition it committed");
        }
    }

    /**
     * A log as the version before compaction wrote it: commits, then a snapshot (every live key again) after which
     * that version deleted the segments wholly before the snapshot, then more commits and a deleted group.
     */
    @Test
    void aLogWrittenWithSnapshotsByTheVersionBeforeCompactionLoadsWithEveryCommittedOffset() throws IOException {
        coordinator.close();
        PartitionLog log = logs.get(GroupCoordinator.OFFSETS_TOPIC, 0).orElseThrow();
        KeyedStateLog writer = new KeyedStateLog(log, Clock.systemUTC());
        Map<String, Long> latest = new HashMap<>();
        int i = 0;
        for (; i < 3_000; i++) {
            String group = "old-" + (i % 4);
            writer.append(List.of(offsetEntry(group, "t", i % 5, i))).join();
            latest.put(group + "/t-" + (i % 5), (long) i);
        }
        writer.append(List.of(new KeyedStateLog.Entry(OffsetsRecords.groupKey("gone"), OffsetsRecords.groupValue(
                new OffsetsRecords.StoredGroup("consumer", 1, "range", null, List.of()))),
                offsetEntry("gone", "t", 0, 5))).join();
        // The snapshot section: the current value of every live key, appended in batches as that version did.
        long snapshotStart = log.logEndOffset();
        List<KeyedStateLog.Entry> snapshot = new ArrayList<>();
        latest.forEach((key, offset) -> {
            String[] parts = key.split("/t-");
            snapshot.add(offsetEntry(parts[0], "t", Integer.parseInt(parts[1]), offset));
        });
        snapshot.add(offsetEntry("gone", "t", 0, 5));
        writer.append(snapshot).join();
        for (; i < 3_200; i++) {
            String group = "old-" + (i % 4);
            writer.append(List.of(offsetEntry(group, "t", i % 5, i))).join();
            latest.put(group + "/t-" + (i % 5), (long) i);
        }
        writer.append(List.of(new KeyedStateLog.Entry(OffsetsRecords.offsetKey("gone", "t", 0), null),
                new KeyedStateLog.Entry(OffsetsRecords.groupKey("gone"), null))).join();
        logs.close();
        assertTrue(SegmentFiles.deleteWhollyBelow(log.directory(), snapshotStart) > 0,
                "the old version trimmed the log before its snapshot");

        start();
        for (int g = 0; g < 4; g++) {
            Map<String, Long> offsets = fetchAll("old-" + g);
            assertEquals(5, offsets.size(), "old-" + g + " has an offset for each partition: " + offsets);
            for (int p = 0; p < 5; p++) {
                assertEquals(latest.get("old-" + g + "/t-" + p), offsets.get("t-" + p), "old-" + g + " t-" + p);
            }
        }
        assertTrue(fetchAll("gone").isEmpty(), "a group deleted after the snapshot stays deleted");
    }

    private static KeyedStateLog.Entry offsetEntry(String group, String topic, int partition, long offset) {
        return new KeyedStateLog.Entry(OffsetsRecords.offsetKey(group, topic, partition),
                OffsetsRecords.offsetValue(new CommittedOffset(offset, -1, "m" + offset, 1_000L)));
    }

    @Test
    void lagIsTheLogEndOffsetMinusTheCommittedOffset() {
        coordinator.commitOffsets(commit("reporting", "sales", 0, 40)).join();
        coordinator.commitOffsets(commit("reporting", "sales", 1, 90)).join();
        coordinator.commitOffsets(commit("reporting", "gone", 0, 5)).join();
        logEnds.put("sales-0", 100L);
        logEnds.put("sales-1", 90L);

        List<PartitionLag> lag = coordinator.lag("reporting").join();

        assertEquals(List.of(
                new PartitionLag("gone", 0, 5, -1, -1),
                new PartitionLag("sales", 0, 40, 100, 60),
                new PartitionLag("sales", 1, 90, 90, 0)), lag);
        assertEquals(List.of(), coordinator.lag("nobody").join());
    }

    /** What a broker does when it stops leading the offsets partition and later leads it again (docs/cluster.md). */
    @Test
    void anUnloadedCoordinatorForgetsItsGroupsAndLoadsThemBackFromTheLog() {
        coordinator.commitOffsets(commit("billing", "t", 0, 7)).join();
        coordinator.commitOffsets(commit("billing", "t", 1, 9)).join();

        coordinator.unload().join();

        assertEquals(false, coordinator.isLoaded());
        assertEquals(List.of(), coordinator.groupIds().join());
        assertEquals(Map.of(), fetchAll("billing"));

        coordinator.load().join();

        assertTrue(coordinator.isLoaded());
        assertEquals(List.of("billing"), coordinator.groupIds().join());
        assertEquals(Map.of("t-0", 7L, "t-1", 9L), fetchAll("billing"));
    }

    @Test
    void deletedGroupsStayDeletedAfterAReopen() {
        coordinator.commitOffsets(commit("temporary", "t", 0, 1)).join();
        coordinator.commitOffsets(commit("kept", "t", 0, 2)).join();
        assertEquals(Errors.NONE.code(), coordinator.deleteGroups(List.of("temporary")).join().get(0).errorCode());

        restart();

        assertEquals(List.of("kept"), coordinator.groupIds().join());
        assertEquals(Map.of("t-0", 2L), fetchAll("kept"));
    }

    @Test
    void anOffsetCommitIsAnsweredOnlyOnceItsRecordIsForcedToDiskInFsyncMode() {
        close();
        TopicConfig config = TopicConfig.defaults();
        logs = LogManager.open(dataDir.resolve("fsync"), FlushPolicy.fsync(), 60_000, topic -> config, Clock.systemUTC());
        PartitionLog log = logs.getOrCreate(GroupCoordinator.OFFSETS_TOPIC, 0, config);
        coordinator = GroupCoordinator.start(log, topics, SETTINGS, Clock.systemUTC());
        long fsyncsBefore = log.fsyncCount();

        for (int i = 0; i < 20; i++) {
            OffsetCommitResponseData response = coordinator.commitOffsets(commit("durable", "t", 0, i)).join();
            assertEquals(Errors.NONE.code(), response.topics().get(0).partitions().get(0).errorCode());
            assertEquals(log.logEndOffset(), log.durableOffset(), "answered only once forced to disk");
        }
        assertTrue(log.fsyncCount() > fsyncsBefore);
    }

    @Test
    void aConsumerProtocolGroupIsLoadedBackSoItsMembersGoOnWithTheirEpochsAndPartitions() {
        GroupCoordinator.Client client = new GroupCoordinator.Client("app", "/127.0.0.1");
        ConsumerGroupHeartbeatResponseData joined = coordinator.consumerGroupHeartbeat(client,
                new ConsumerGroupHeartbeatRequestData().setGroupId("kip848").setMemberId("member-1").setMemberEpoch(0)
                        .setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of("t")).setTopicPartitions(List.of())).join();
        assertEquals(Errors.NONE.code(), joined.errorCode(), joined.errorMessage());
        assertEquals(8, joined.assignment().topicPartitions().get(0).partitions().size());

        restart();

        ConsumerGroupHeartbeatResponseData after = coordinator.consumerGroupHeartbeat(client,
                new ConsumerGroupHeartbeatRequestData().setGroupId("kip848").setMemberId("member-1")
                        .setMemberEpoch(joined.memberEpoch()).setRebalanceTimeoutMs(-1)).join();
        assertEquals(Errors.NONE.code(), after.errorCode(), after.errorMessage());
        assertEquals(joined.memberEpoch(), after.memberEpoch());
        var described = coordinator.consumerGroupDescribe(List.of("kip848")).join().get(0);
        assertEquals("Stable", described.groupState());
        assertEquals(8, described.members().get(0).assignment().topicPartitions().get(0).partitions().size());
    }

    @Test
    void aStableClassicGroupIsLoadedBackSoItsMembersHeartbeatOnWithoutARebalance() {
        GroupCoordinator.Client client = new GroupCoordinator.Client("app", "/127.0.0.1");
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1, 2}));
        JoinGroupResponseData joined = coordinator.joinGroup(client, new JoinGroupRequestData().setGroupId("classic")
                .setMemberId("").setProtocolType("consumer").setProtocols(protocols).setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(10_000), false).join();
        assertEquals(Errors.NONE.code(), joined.errorCode());
        SyncGroupResponseData synced = coordinator.syncGroup(new SyncGroupRequestData().setGroupId("classic")
                .setMemberId(joined.memberId()).setGenerationId(joined.generationId()).setAssignments(List.of(
                        new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(joined.memberId())
                                .setAssignment(new byte[] {9})))).join();
        assertEquals(Errors.NONE.code(), synced.errorCode());

        restart();

        HeartbeatResponseData beat = coordinator.heartbeat(new HeartbeatRequestData().setGroupId("classic")
                .setMemberId(joined.memberId()).setGenerationId(joined.generationId())).join();
        assertEquals(Errors.NONE.code(), beat.errorCode());
        SyncGroupResponseData again = coordinator.syncGroup(new SyncGroupRequestData().setGroupId("classic")
                .setMemberId(joined.memberId()).setGenerationId(joined.generationId())).join();
        assertEquals(Errors.NONE.code(), again.errorCode());
        assertEquals(List.of((byte) 9), List.of(again.assignment()[0]), "the stored assignment");
    }

    @Test
    void aCommitWhoseMetadataExceedsTheLimitIsRefusedAndOneAtTheLimitIsKept() {
        OffsetCommitRequestData tooLong = commit("metadata", "t", 0, 7);
        tooLong.topics().get(0).partitions().get(0).setCommittedMetadata("x".repeat(GroupCoordinator.MAX_METADATA_LENGTH + 1));
        OffsetCommitRequestData atLimit = commit("metadata", "t", 1, 8);
        atLimit.topics().get(0).partitions().get(0).setCommittedMetadata("x".repeat(GroupCoordinator.MAX_METADATA_LENGTH));

        OffsetCommitResponseData refused = coordinator.commitOffsets(tooLong).join();
        OffsetCommitResponseData kept = coordinator.commitOffsets(atLimit).join();

        assertEquals(Errors.OFFSET_METADATA_TOO_LARGE.code(), refused.topics().get(0).partitions().get(0).errorCode());
        assertEquals(Errors.NONE.code(), kept.topics().get(0).partitions().get(0).errorCode());
        assertEquals(Map.of("t-1", 8L), fetchAll("metadata"));
    }

    @Test
    void aCommitFromAnOlderGenerationIsRefusedAndLeavesTheCommittedOffsetAlone() {
        GroupCoordinator.Client client = new GroupCoordinator.Client("app", "/127.0.0.1");
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {1}));
        JoinGroupResponseData joined = coordinator.joinGroup(client, new JoinGroupRequestData().setGroupId("classic")
                .setMemberId("").setProtocolType("consumer").setProtocols(protocols).setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(10_000), false).join();
        coordinator.syncGroup(new SyncGroupRequestData().setGroupId("classic").setMemberId(joined.memberId())
                .setGenerationId(joined.generationId())).join();
        OffsetCommitRequestData good = commit("classic", "t", 0, 10).setMemberId(joined.memberId())
                .setGenerationIdOrMemberEpoch(joined.generationId());
        assertEquals(Errors.NONE.code(), coordinator.commitOffsets(good).join().topics().get(0).partitions().get(0).errorCode());

        OffsetCommitRequestData stale = commit("classic", "t", 0, 99).setMemberId(joined.memberId())
                .setGenerationIdOrMemberEpoch(joined.generationId() - 1);
        OffsetCommitResponseData refused = coordinator.commitOffsets(stale).join();

        assertEquals(Errors.ILLEGAL_GENERATION.code(), refused.topics().get(0).partitions().get(0).errorCode());
        restart();
        assertEquals(Map.of("t-0", 10L), fetchAll("classic"), "the refused offset was never written");
    }

    @Test
    void aConsumerProtocolCommitWithAStaleMemberEpochIsRefused() {
        GroupCoordinator.Client client = new GroupCoordinator.Client("app", "/127.0.0.1");
        ConsumerGroupHeartbeatResponseData joined = coordinator.consumerGroupHeartbeat(client,
                new ConsumerGroupHeartbeatRequestData().setGroupId("kip848").setMemberId("member-1").setMemberEpoch(0)
                        .setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of("t")).setTopicPartitions(List.of())).join();

        OffsetCommitResponseData stale = coordinator.commitOffsets(commit("kip848", "t", 0, 5).setMemberId("member-1")
                .setGenerationIdOrMemberEpoch(joined.memberEpoch() - 1)).join();
        OffsetCommitResponseData current = coordinator.commitOffsets(commit("kip848", "t", 0, 6).setMemberId("member-1")
                .setGenerationIdOrMemberEpoch(joined.memberEpoch())).join();

        assertEquals(Errors.STALE_MEMBER_EPOCH.code(), stale.topics().get(0).partitions().get(0).errorCode());
        assertEquals(Errors.NONE.code(), current.topics().get(0).partitions().get(0).errorCode());
        assertEquals(Map.of("t-0", 6L), fetchAll("kip848"));
    }
}
