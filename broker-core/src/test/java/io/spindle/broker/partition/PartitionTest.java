package io.spindle.broker.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.log.AppendResult;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.LogSlice;
import io.spindle.log.OffsetOutOfRangeException;
import io.spindle.log.TimestampAndOffset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The partition layer's rules over real partition logs: high watermark, acknowledgement, reads, offsets, events. */
class PartitionTest {
    private static final int NODE = 7;

    @TempDir
    Path dataDir;
    private LogManager logs;

    @AfterEach
    void close() {
        if (logs != null) {
            logs.close();
        }
    }

    private Partitions open(FlushMode mode) {
        logs = LogManager.open(dataDir, new FlushPolicy(mode, 3_600_000, Long.MAX_VALUE), 3_600_000,
                topic -> TopicConfig.defaults(), Clock.systemUTC());
        return new Partitions(logs, NODE);
    }

    private Partition create(Partitions partitions, String topic) {
        logs.getOrCreate(topic, 0, TopicConfig.defaults());
        return partitions.get(topic, 0).orElseThrow();
    }

    /** A partition of a topic with min.insync.replicas set to {@code minInsync}. */
    private Partition create(Partitions partitions, String topic, int minInsync) {
        logs.getOrCreate(topic, 0, TopicConfig.defaults().with(Map.of(TopicConfig.MIN_INSYNC_REPLICAS,
                Integer.toString(minInsync))));
        return partitions.get(topic, 0).orElseThrow();
    }

    private static ByteBuffer batch(long timestamp, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestamp, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
    }

    @Test
    void aPartitionIsHeldOnlyWhileItsLogExists() {
        Partitions partitions = open(FlushMode.NONE);
        assertTrue(partitions.get("orders", 0).isEmpty());

        Partition partition = create(partitions, "orders");
        assertEquals(Replicas.local(NODE), partition.replicas());
        assertEquals(List.of(partition), List.copyOf(partitions.all()));

        logs.delete("orders", 0);
        assertTrue(partitions.get("orders", 0).isEmpty());
    }

    @Test
    void theHighWatermarkOfTheOnlyReplicaIsItsLogEndAndEachAppendAnnouncesIt() {
        Partitions partitions = open(FlushMode.NONE);
        List<Long> announced = new CopyOnWriteArrayList<>();
        partitions.addListener(new PartitionListener() {
            @Override
            public void highWatermarkAdvanced(Partition partition, long highWatermark) {
                announced.add(highWatermark);
            }
        });
        Partition partition = create(partitions, "orders");

        partition.append(batch(1_000, "a", "b"));
        partition.append(batch(1_000, "c"));

        assertEquals(3, partition.highWatermark());
        assertEquals(3, partition.lastStableOffset());
        assertEquals(List.of(2L, 3L), announced);
    }

    @Test
    void acksOneIsAnsweredAsSoonAsTheBatchIsAppended() {
        Partitions partitions = open(FlushMode.FSYNC);
        Partition partition = create(partitions, "orders");

        AppendResult appended = partition.append(batch(1_000, "a"));

        assertTrue(partition.acknowledgement(appended, Acks.LEADER).isDone());
        assertTrue(partition.acknowledgement(appended, Acks.NONE).isDone());
    }

    @Test
    void acksAllIsAnsweredOnlyOnceAnFsyncCoversTheBatch() throws Exception {
        Partitions partitions = open(FlushMode.FSYNC);
        Partition partition = create(partitions, "orders");
        List<Long> durable = new CopyOnWriteArrayList<>();
        partition.addListener(new PartitionListener() {
            @Override
            public void durable(Partition forced, long durableOffset) {
                durable.add(durableOffset);
            }
        });

        AppendResult appended = partition.append(batch(1_000, "a", "b", "c"));
        long forcedWhenAnswered = partition.acknowledgement(appended, Acks.ALL)
                .thenApply(result -> partition.log().durableOffset())
                .get(10, TimeUnit.SECONDS);

        assertTrue(forcedWhenAnswered >= 3, "answered with only " + forcedWhenAnswered + " offsets forced");
        // The flusher completes the waiting acknowledgements first and tells the listeners after.
        await("the durable event").atMost(Duration.ofSeconds(10))
                .until(() -> !durable.isEmpty() && durable.get(durable.size() - 1) >= 3);
    }

    @Test
    void aReadAtTheHighWatermarkIsEmptyAndOneBeyondTheLogIsOutOfRange() {
        Partitions partitions = open(FlushMode.NONE);
        Partition partition = create(partitions, "orders");
        partition.append(batch(1_000, "a", "b"));

        try (LogSlice slice = partition.read(0, 1 << 20, IsolationLevel.READ_UNCOMMITTED)) {
            assertFalse(slice.isEmpty());
        }
        assertSame(LogSlice.EMPTY, partition.read(2, 1 << 20, IsolationLevel.READ_COMMITTED));
        assertThrows(OffsetOutOfRangeException.class, () -> partition.read(3, 1 << 20, IsolationLevel.READ_UNCOMMITTED));
    }

    @Test
    void listOffsetsAnswersTheLogStartTheFetchableEndAndTimestampsBelowIt() {
        Partitions partitions = open(FlushMode.NONE);
        Partition partition = create(partitions, "orders");
        partition.append(batch(1_000, "a"));
        partition.append(batch(2_000, "b"));

        assertEquals(0, partition.offsetFor(ListOffsetsRequest.EARLIEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED).offset());
        assertEquals(2, partition.offsetFor(ListOffsetsRequest.LATEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED).offset());
        assertEquals(2, partition.offsetFor(ListOffsetsRequest.LATEST_TIMESTAMP, IsolationLevel.READ_COMMITTED).offset());
        assertEquals(new TimestampAndOffset(2_000, 1), partition.offsetFor(1_500, IsolationLevel.READ_UNCOMMITTED));
        assertEquals(new TimestampAndOffset(2_000, 1),
                partition.offsetFor(ListOffsetsRequest.MAX_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED));
        assertNull(partition.offsetFor(2_001, IsolationLevel.READ_UNCOMMITTED));
        assertNull(partition.offsetFor(ListOffsetsRequest.LATEST_TIERED_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED));
    }

    @Test
    void truncationLowersTheHighWatermarkWithTheLogEndAndAnnouncesTheNewEnd() {
        Partitions partitions = open(FlushMode.NONE);
        List<Long> truncated = new CopyOnWriteArrayList<>();
        partitions.addListener(new PartitionListener() {
            @Override
            public void truncated(Partition partition, long logEndOffset) {
                truncated.add(logEndOffset);
            }
        });
        Partition partition = create(partitions, "orders");
        partition.append(batch(1_000, "a", "b"));
        partition.append(batch(2_000, "c", "d"));
        partition.append(batch(3_000, "e"));

        assertEquals(2, partition.truncateTo(3));

        assertEquals(2, partition.highWatermark());
        assertEquals(2, partition.lastStableOffset());
        assertEquals(2, partition.offsetFor(ListOffsetsRequest.LATEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED).offset());
        assertEquals(List.of(2L), truncated);
        assertSame(LogSlice.EMPTY, partition.read(2, 1 << 20, IsolationLevel.READ_UNCOMMITTED));
        assertThrows(OffsetOutOfRangeException.class, () -> partition.read(3, 1 << 20, IsolationLevel.READ_UNCOMMITTED));
        assertEquals(2, partition.append(batch(4_000, "f")).firstOffset());
        assertEquals(3, partition.highWatermark());
    }

    @Test
    void truncationBelowTheLogStartIsRefused() {
        Partitions partitions = open(FlushMode.NONE);
        Partition partition = create(partitions, "orders");
        partition.append(batch(1_000, "a"));

        assertThrows(IllegalArgumentException.class, () -> partition.truncateTo(-1));
        assertEquals(1, partition.highWatermark());
    }

    @Test
    void aFollowerBeingTakenIntoTheIsrHoldsTheHighWatermarkBackFromTheMomentItIsAsked() {
        Partition partition = create(open(FlushMode.NONE), "orders");
        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8, 9), List.of(NODE, 8)));
        partition.append(batch(1_000L, "a", "b", "c"));
        partition.followerFetched(9, 1, -1, 1_000L);

        partition.isrExpanding(List.of(9));
        partition.followerFetched(8, 3, -1, 1_001L);
        assertEquals(1, partition.highWatermark(),
                "the quorum may elect 9 once it commits the change, and 9 holds offset 0 only");
        partition.followerFetched(9, 2, -1, 1_002L);
        assertEquals(2, partition.highWatermark());

        partition.isrExpanding(List.of());      // refused: the ISR the image gave counts alone again
        assertEquals(3, partition.highWatermark());
    }

    /**
     * The move of ReassignmentTest: a leader alone in its ISR takes both new replicas in with one change, which
     * completes the move and makes one of them leader as soon as the quorum commits it, before this leader applies it.
     */
    @Test
    void aLeaderAloneInItsIsrAcknowledgesNothingItsJoiningFollowersLackWhileTheyAreTakenIn() throws Exception {
        Partition partition = create(open(FlushMode.NONE), "orders");
        partition.lead(new Replicas(NODE, 1, List.of(8, 9, NODE), List.of(NODE)));
        partition.append(batch(1_000L, "a", "b"));
        partition.followerFetched(8, 2, -1, 1_000L);
        partition.followerFetched(9, 2, -1, 1_000L);

        partition.isrExpanding(List.of(8, 9));
        CompletableFuture<AppendResult> acknowledged = partition.acknowledgement(
                partition.append(batch(2_000L, "c")), Acks.ALL);
        assertEquals(2, partition.highWatermark(), "8 and 9 hold offsets 0 and 1 only");
        assertFalse(acknowledged.isDone(), "the quorum may elect 8 or 9 before this leader learns it committed");

        partition.followerFetched(8, 3, -1, 1_001L);
        assertFalse(acknowledged.isDone(), "9 lacks offset 2");
        partition.followerFetched(9, 3, -1, 1_002L);
        assertEquals(3, partition.highWatermark());
        assertEquals(2, acknowledged.get(5, TimeUnit.SECONDS).firstOffset());
    }

    @Test
    void aLeaderAloneInItsIsrKeepsTheHighWatermarkItReachedWhenAFollowerBehindItStartsJoining() {
        Partition partition = create(open(FlushMode.NONE), "orders");
        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8), List.of(NODE)));
        partition.append(batch(1_000L, "a", "b"));
        partition.followerFetched(8, 1, -1, 1_000L);
        assertEquals(2, partition.highWatermark(), "alone in the ISR, the leader acknowledges up to its log end");

        partition.isrExpanding(List.of(8));
        assertEquals(2, partition.highWatermark(), "what was acknowledged stays visible, so the ISR check sees 8 lacks it");
        partition.append(batch(2_000L, "c"));
        assertEquals(2, partition.highWatermark());
    }

    @Test
    void anAcksAllWaitBegunAfterTheLeadershipWasLostFailsAndALaterLeadershipDoesNotAcknowledgeIt() {
        Partition partition = create(open(FlushMode.NONE), "orders");
        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8), List.of(NODE, 8)));
        AppendResult appended = partition.append(batch(1_000L, "a", "b"));
        partition.follow(new Replicas(8, 2, List.of(NODE, 8), List.of(NODE, 8)));     // before the produce waits

        CompletableFuture<AppendResult> acknowledged = partition.acknowledgement(appended, Acks.ALL);
        partition.lead(new Replicas(NODE, 3, List.of(NODE, 8), List.of(NODE, 8)));
        partition.followerFetched(8, 2, -1, 1_000L);
        assertEquals(2, partition.highWatermark());

        ExecutionException failed = assertThrows(ExecutionException.class, () -> acknowledged.get(5, TimeUnit.SECONDS));
        assertInstanceOf(NotLeaderOrFollowerException.class, failed.getCause());
    }

    /**
     * KIP-966: 9 left the ISR as it shrank below min.insync.replicas, so it stays eligible to lead; records it lacks
     * must not be shown to consumers meanwhile, or its election would take back what they read.
     */
    @Test
    void aLeaderWhoseIsrIsBelowMinInsyncKeepsItsHighWatermarkAndRaisesItAsSoonAsTheIsrIsBack() {
        Partitions partitions = open(FlushMode.NONE);
        List<Long> announced = new CopyOnWriteArrayList<>();
        partitions.addListener(new PartitionListener() {
            @Override
            public void highWatermarkAdvanced(Partition partition, long highWatermark) {
                announced.add(highWatermark);
            }
        });
        Partition partition = create(partitions, "orders", 2);
        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8, 9), List.of(NODE, 9)));
        partition.append(batch(1_000L, "a", "b"));
        partition.followerFetched(9, 2, -1, 1_000L);
        assertEquals(2, partition.highWatermark());

        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8, 9), List.of(NODE)));
        AppendResult unreplicated = partition.append(batch(2_000L, "c", "d", "e"));
        assertTrue(partition.acknowledgement(unreplicated, Acks.LEADER).isDone(), "acks=1 is answered as before");
        partition.followerFetched(8, 5, -1, 2_001L);    // 8 catches up, but it is not in the ISR yet
        assertEquals(2, partition.highWatermark(), "the ISR [" + NODE + "] is below min.insync.replicas 2");
        assertEquals(2, partition.lastStableOffset());
        assertSame(LogSlice.EMPTY, partition.read(2, 1 << 20, IsolationLevel.READ_UNCOMMITTED));
        assertSame(LogSlice.EMPTY, partition.read(2, 1 << 20, IsolationLevel.READ_COMMITTED));
        assertEquals(2, partition.offsetFor(ListOffsetsRequest.LATEST_TIMESTAMP, IsolationLevel.READ_UNCOMMITTED).offset());
        assertNull(partition.offsetFor(2_000L, IsolationLevel.READ_UNCOMMITTED), "the timestamp lies above the high watermark");
        assertTrue(announced.stream().allMatch(offset -> offset <= 2), "announced " + announced);

        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8, 9), List.of(NODE, 8)));
        assertEquals(5, partition.highWatermark(), "8, back in the ISR, holds everything");
        assertEquals(5L, announced.get(announced.size() - 1), "waiting fetches hear it at once");
        try (LogSlice slice = partition.read(2, 1 << 20, IsolationLevel.READ_UNCOMMITTED)) {
            assertFalse(slice.isEmpty());
        }
    }

    @Test
    void anAcksAllWaitWhoseIsrShrankBelowMinInsyncIsAnsweredOnceTheIsrIsBackAndHoldsTheBatch() throws Exception {
        Partition partition = create(open(FlushMode.NONE), "orders", 2);
        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8), List.of(NODE, 8)));
        CompletableFuture<AppendResult> acknowledged = partition.acknowledgement(
                partition.append(batch(1_000L, "a", "b")), Acks.ALL);

        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8), List.of(NODE)));
        assertEquals(0, partition.highWatermark());
        assertFalse(acknowledged.isDone(), "8, eligible to lead, may lack the batch");

        partition.followerFetched(8, 2, -1, 1_000L);
        partition.lead(new Replicas(NODE, 1, List.of(NODE, 8), List.of(NODE, 8)));
        assertEquals(0, acknowledged.get(5, TimeUnit.SECONDS).firstOffset());
        assertEquals(2, partition.highWatermark());
    }

    /** As Kafka's effective min ISR: a topic cannot have more replicas in sync than it has. */
    @Test
    void aMinInsyncAboveTheReplicationFactorHoldsTheHighWatermarkOnlyWhenAReplicaIsOutOfSync() {
        Partitions partitions = open(FlushMode.NONE);
        Partition alone = create(partitions, "single", 3);
        alone.append(batch(1_000L, "a"));
        assertEquals(1, alone.highWatermark(), "one broker without a cluster, min.insync.replicas 3");

        Partition two = create(partitions, "pair", 3);
        two.lead(new Replicas(NODE, 1, List.of(NODE, 8), List.of(NODE, 8)));
        two.append(batch(1_000L, "a", "b"));
        two.followerFetched(8, 2, -1, 1_000L);
        assertEquals(2, two.highWatermark(), "both replicas of the two are in sync");

        two.lead(new Replicas(NODE, 1, List.of(NODE, 8), List.of(NODE)));
        two.append(batch(2_000L, "c"));
        assertEquals(2, two.highWatermark());
    }

    @Test
    void replicasMustIncludeTheLeaderAndTheInSyncReplicas() {
        assertThrows(IllegalArgumentException.class, () -> new Replicas(1, 0, List.of(2, 3), List.of(2)));
        assertThrows(IllegalArgumentException.class, () -> new Replicas(2, 0, List.of(2, 3), List.of(2, 4)));
    }
}
