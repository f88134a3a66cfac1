package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PartitionLog#appendReplicated}: a follower's log takes its leader's batches as they are — offsets, leader
 * epochs, bytes — records the epochs they carry, and refuses a batch below its end.
 */
class ReplicatedAppendTest {
    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(LogManager::close);
    }

    private PartitionLog open(Path dir) {
        LogManager manager = LogManager.open(dir, new FlushPolicy(FlushMode.FSYNC, 1000, 10_000), 3_600_000,
                t -> TopicConfig.defaults(), Clock.systemUTC());
        managers.add(manager);
        return manager.getOrCreate("t", 0, TopicConfig.defaults());
    }

    private static ByteBuffer batch(String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1_000L, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
    }

    private static ByteBuffer bytes(PartitionLog log, long from) {
        try (LogSlice slice = log.read(from, 1 << 20)) {
            ByteBuffer copy = ByteBuffer.allocate(slice.sizeInBytes());
            slice.copyTo(copy);
            return copy.flip();
        }
    }

    @Test
    void aFollowerKeepsTheLeadersOffsetsEpochsAndBytes() throws Exception {
        PartitionLog leader = open(leaderDir);
        leader.beginLeaderEpoch(2);
        leader.append(batch("a", "b"));
        leader.beginLeaderEpoch(5);
        leader.append(batch("c"));
        leader.append(batch("d", "e", "f"));
        PartitionLog follower = open(followerDir);

        AppendResult first = follower.appendReplicated(bytes(leader, 0));
        first.durable().get();

        assertEquals(6, follower.logEndOffset());
        assertEquals(6, follower.durableOffset());
        assertEquals(bytes(leader, 0), bytes(follower, 0));
        assertEquals(List.of(new LeaderEpochCache.Entry(2, 0), new LeaderEpochCache.Entry(5, 2)),
                follower.leaderEpochs().entries());
    }

    @Test
    void aBatchBelowTheLogEndIsRefusedAndNothingIsWritten() {
        PartitionLog leader = open(leaderDir);
        leader.beginLeaderEpoch(0);
        leader.append(batch("a"));
        leader.append(batch("b"));
        PartitionLog follower = open(followerDir);
        follower.appendReplicated(bytes(leader, 0));

        assertThrows(OffsetOutOfRangeException.class, () -> follower.appendReplicated(bytes(leader, 1)));
        assertEquals(2, follower.logEndOffset());
    }
}
