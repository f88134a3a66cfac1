package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.CleanerSettings;
import io.spindle.config.FlushMode;
import io.spindle.config.StorageSettings;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With delete.retention.ms=0 a scan from the start that overlaps a clean can read a key's older value and then miss
 * the tombstone that deleted it: one clean removes both, the value below the scan's position and the tombstone, whose
 * delete horizon an earlier clean set while the key map ended before it, above. The log itself never brings the value
 * back; only the scan saw a state that never was whole. Kafka has the same bound: a consumer must finish a scan within
 * delete.retention.ms to see every tombstone (CompactionCrashTest reads table-expiring while the cleaner runs, so it
 * counts a problem there only when a second scan shows it again).
 */
class ExpiredTombstoneScanTest {
    private static final TopicConfig EXPIRING = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY,
            "compact", TopicConfig.SEGMENT_BYTES, "400", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01",
            TopicConfig.DELETE_RETENTION_MS, "0"));

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private LogManager manager;

    @AfterEach
    void close() {
        manager.close();
    }

    private static ByteBuffer batch(long timestamp, String... keysAndValues) {
        SimpleRecord[] records = new SimpleRecord[keysAndValues.length / 2];
        for (int i = 0; i < records.length; i++) {
            String value = keysAndValues[2 * i + 1];
            records[i] = new SimpleRecord(timestamp, keysAndValues[2 * i].getBytes(StandardCharsets.UTF_8),
                    value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records).buffer();
    }

    /** "offset:key=value" ("key=null" for a tombstone) of the batches of one read, and where the next read starts. */
    private static long read(PartitionLog log, long from, List<String> into) {
        long next = from;
        try (LogSlice slice = log.read(from, 1 << 20)) {
            ByteBuffer copy = ByteBuffer.allocate(slice.sizeInBytes());
            slice.copyTo(copy);
            copy.flip();
            for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
                for (Record record : batch) {
                    into.add(record.offset() + ":" + StandardCharsets.UTF_8.decode(record.key()) + "="
                            + (record.hasValue() ? StandardCharsets.UTF_8.decode(record.value()) : "null"));
                }
                next = batch.nextOffset();
            }
        }
        return next;
    }

    private static List<String> readAll(PartitionLog log) {
        List<String> all = new ArrayList<>();
        long next = 0;
        while (next < log.logEndOffset()) {
            next = read(log, next, all);
        }
        return all;
    }

    @Test
    void aScanOverlappingACleanCanMissAnExpiredTombstoneWhoseValueItReadButTheLogNeverHoldsTheValueAlone() {
        // A key map of 27 keys (log.cleaner.dedupe.buffer.size=1024, as CompactionCrashTest has).
        StorageSettings storage = new StorageSettings(dataDir, FlushMode.NONE, 1000, 10_000, 3_600_000,
                CleanerSettings.defaults().withThreads(0).withDedupeBufferSize(1024));
        manager = LogManager.open(storage, topic -> EXPIRING, clock);
        PartitionLog log = manager.getOrCreate("t", 0, EXPIRING);
        long now = clock.millis();
        log.append(batch(now, "a", "old"));                     // offset 0, its own segment
        String[] thirtyKeysThenATombstone = new String[62];
        for (int i = 0; i < 30; i++) {
            thirtyKeysThenATombstone[2 * i] = "b" + i;
            thirtyKeysThenATombstone[2 * i + 1] = "x";
        }
        thirtyKeysThenATombstone[60] = "a";                     // offset 31: a's tombstone
        log.append(batch(now, thirtyKeysThenATombstone));
        while (log.segmentCount() < 3) {
            log.append(batch(now, "z", "filler"));              // seals the tombstone's segment
        }
        assertTrue(log.cleanable().segmentSummaries().get(1).baseOffset() == 1, "offsets 1 to 31 in segment 1");

        // The first clean maps a and b0..b25 and stops at b26 (offset 27): the tombstone, past the mapped range,
        // stays but gets its delete horizon (now + 0); a's old value is the latest a the map knows, and stays.
        assertTrue(manager.cleaner().cleanOnce());
        assertEquals(27L, manager.cleaner().cleanedOffsets().get("t-0"));
        List<String> scan = new ArrayList<>();
        long next = read(log, 0, scan);
        assertEquals(List.of("0:a=old"), scan, "a scan from the start reads a's old value first");

        clock.advance(1);
        assertTrue(manager.cleaner().cleanOnce());      // maps from 27 on: a's tombstone, already expired, and b26..

        while (next < log.logEndOffset()) {
            next = read(log, next, scan);
        }
        assertTrue(scan.stream().noneMatch(r -> r.startsWith("31:")),
                "the scan went on past a tombstone the clean removed meanwhile: " + scan);
        assertTrue(readAll(log).stream().noneMatch(r -> r.contains(":a=")),
                "the clean removed a's old value with its tombstone: the key is gone, not back: " + readAll(log));
    }
}
