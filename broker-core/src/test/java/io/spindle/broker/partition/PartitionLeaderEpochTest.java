package io.spindle.broker.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LeaderEpochCache.EpochEndOffset;
import io.spindle.log.LogManager;
import io.spindle.log.LogSlice;
import io.spindle.log.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition's leader epoch over a real log: a partition led at epoch 3 (as a cluster will make one) stamps it
 * into what it appends, answers where epochs end, and fences clients that name another epoch.
 */
class PartitionLeaderEpochTest {
    private static final int NODE = 7;
    private static final Replicas AT_EPOCH_3 = new Replicas(NODE, 3, List.of(NODE), List.of(NODE));

    @TempDir
    Path dataDir;
    private LogManager logs;

    @AfterEach
    void close() {
        if (logs != null) {
            logs.close();
        }
    }

    private PartitionLog log() {
        logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 3_600_000, Long.MAX_VALUE), 3_600_000,
                topic -> TopicConfig.defaults(), Clock.systemUTC());
        return logs.getOrCreate("orders", 0, TopicConfig.defaults());
    }

    private static ByteBuffer batch(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1_000L, null, values[i].getBytes());
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
    }

    @Test
    void everyBatchAppendedCarriesThePartitionsLeaderEpoch() {
        Partition partition = new Partition(log(), AT_EPOCH_3);
        partition.append(batch("a", "b"));
        partition.append(batch("c"));

        List<Integer> epochs = new ArrayList<>();
        try (LogSlice slice = partition.read(0, 1 << 20, IsolationLevel.READ_UNCOMMITTED)) {
            ByteBuffer bytes = ByteBuffer.allocate(slice.sizeInBytes());
            slice.copyTo(bytes);
            for (RecordBatch batch : MemoryRecords.readableRecords(bytes.flip()).batches()) {
                batch.ensureValid();
                epochs.add(batch.partitionLeaderEpoch());
            }
        }
        assertEquals(List.of(3, 3), epochs);
    }

    @Test
    void theCurrentEpochEndsAtTheLogEndAndAnOlderOneWhereTheCurrentOneBegan() {
        PartitionLog log = log();
        log.beginLeaderEpoch(1);
        log.append(batch("before"));
        Partition partition = new Partition(log, AT_EPOCH_3);
        partition.append(batch("a", "b", "c"));

        assertEquals(new EpochEndOffset(3, 4), partition.endOffsetForEpoch(3));
        assertEquals(new EpochEndOffset(1, 1), partition.endOffsetForEpoch(2));
        assertEquals(new EpochEndOffset(0, 0), partition.endOffsetForEpoch(0), "below the earliest: where it starts");
        assertEquals(EpochEndOffset.UNDEFINED, partition.endOffsetForEpoch(4));
        assertEquals(1, partition.epochForOffset(0));
        assertEquals(3, partition.epochForOffset(4));
    }

    @Test
    void aFetchAfterAnEpochDivergesWhereThatEpochEndsHereAndNotBefore() {
        PartitionLog log = log();
        log.beginLeaderEpoch(1);
        log.append(batch("a", "b"));
        Partition partition = new Partition(log, AT_EPOCH_3);
        partition.append(batch("c"));

        assertEquals(Optional.empty(), partition.divergingEpoch(2, 1), "epoch 1 ends at 2: on track");
        assertEquals(Optional.of(new EpochEndOffset(1, 2)), partition.divergingEpoch(3, 2),
                "epoch 2 never wrote here: the follower's records from 2 on are not this log's");
        assertEquals(Optional.empty(), partition.divergingEpoch(3, 3));
    }

    @Test
    void aDivergedFollowersFetchMovesNeitherItsProgressNorTheHighWatermark() {
        // Epoch 1 wrote offsets 0-1 here; this broker leads epoch 3 with follower 8 in sync and wrote 2-4. Follower 8
        // is a deposed leader of epoch 1 whose log ends at 4 with records this log does not hold at 2-3.
        PartitionLog log = log();
        log.beginLeaderEpoch(1);
        log.append(batch("a", "b"));
        Partition partition = new Partition(log, new Replicas(NODE, 3, List.of(NODE, 8), List.of(NODE, 8)));
        partition.append(batch("c", "d", "e"));
        assertEquals(2, partition.highWatermark());

        assertEquals(Optional.of(new EpochEndOffset(1, 2)), partition.followerFetched(8, 4, 1, 1_000L));
        assertEquals(-1, partition.followerFetchOffset(8), "a diverged fetch says nothing of what the follower holds");
        assertEquals(2, partition.highWatermark(), "offsets 2-3 are not on follower 8");

        // Truncated to 2, it fetched 2-4 and comes back with the epoch of its last batch, 3: on track.
        assertEquals(Optional.empty(), partition.followerFetched(8, 5, 3, 1_001L));
        assertEquals(5, partition.followerFetchOffset(8));
        assertEquals(5, partition.highWatermark());
    }

    @Test
    void aClientNamingAnOlderEpochIsFencedAndOneNamingANewerEpochIsToldItIsUnknown() {
        Partition partition = new Partition(log(), AT_EPOCH_3);

        assertEquals(Errors.NONE, partition.checkLeaderEpoch(3));
        assertEquals(Errors.NONE, partition.checkLeaderEpoch(-1));
        assertEquals(Errors.FENCED_LEADER_EPOCH, partition.checkLeaderEpoch(2));
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH, partition.checkLeaderEpoch(4));
    }
}
