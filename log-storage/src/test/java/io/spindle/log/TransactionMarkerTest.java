package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transaction markers (control batches) in a partition log: producer state, slices cut at an offset. */
class TransactionMarkerTest {
    private static final long PRODUCER = 9;

    @TempDir
    Path dataDir;
    // Near the batches' timestamps (1000 on): a producer whose last batch is older than producer.id.expiration.ms (a
    // day) by the clock is forgotten when the log opens, as Kafka forgets it.
    private final ManualClock clock = new ManualClock(1_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(LogManager::close);
    }

    private PartitionLog open() {
        LogManager manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000,
                topic -> TopicConfig.defaults(), clock);
        managers.add(manager);
        return manager.getOrCreate("t", 0, TopicConfig.defaults());
    }

    private static ByteBuffer transactional(short epoch, int sequence, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withTransactionalRecords(Compression.NONE, PRODUCER, epoch, sequence, records).buffer();
    }

    private static ByteBuffer marker(short epoch, boolean commit) {
        return MemoryRecords.withEndTransactionMarker(0L, 0L, 0, PRODUCER, epoch,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 0)).buffer();
    }

    @Test
    void aMarkerLeavesTheProducersSequenceWhereItWasSoTheNextTransactionContinuesIt() {
        PartitionLog log = open();
        log.append(transactional((short) 0, 0, "a", "b"));
        log.append(marker((short) 0, true));

        AppendResult next = log.append(transactional((short) 0, 2, "c"));

        assertEquals(3, next.firstOffset());
        assertThrows(OutOfOrderSequenceException.class, () -> log.append(transactional((short) 0, 0, "again")));
    }

    @Test
    void aMarkerWithABumpedEpochFencesTheOlderEpochAlsoAfterAReopen() {
        PartitionLog log = open();
        log.append(transactional((short) 0, 0, "a"));
        log.append(marker((short) 1, false));

        assertThrows(InvalidProducerEpochException.class, () -> log.append(transactional((short) 0, 1, "late")));
        close();
        managers.clear();
        PartitionLog reopened = open();
        assertThrows(InvalidProducerEpochException.class, () -> reopened.append(transactional((short) 0, 1, "late")));
        assertEquals(2, reopened.append(transactional((short) 2, 0, "new")).firstOffset());
    }

    @Test
    void aSliceCutAtAnOffsetKeepsOnlyTheWholeBatchesBelowIt() {
        PartitionLog log = open();
        log.append(transactional((short) 0, 0, "a", "b"));
        log.append(transactional((short) 0, 2, "c"));
        log.append(marker((short) 0, true));

        try (LogSlice cut = log.read(0, 1 << 20).cutAt(2)) {
            assertEquals(2, cut.nextOffset());
            List<Boolean> control = new ArrayList<>();
            cut.forEachBatch(batch -> control.add(batch.isControl()));
            assertEquals(List.of(false), control);
        }
        LogSlice nothing = log.read(0, 1 << 20).cutAt(1);
        assertTrue(nothing.isEmpty());
        try (LogSlice whole = log.read(0, 1 << 20)) {
            List<Boolean> control = new ArrayList<>();
            whole.forEachBatch(batch -> control.add(batch.isControl()));
            assertEquals(List.of(false, false, true), control);
            assertFalse(whole.cutAt(4).isEmpty());
        }
    }
}
