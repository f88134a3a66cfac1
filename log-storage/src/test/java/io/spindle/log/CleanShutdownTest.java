package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.decode;
import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clean stop of a {@link LogManager} leaves one {@link CleanShutdown} record for the data directory instead of a
 * trimmed active segment and a clean checkpoint per partition; the next start takes each log at the record's word
 * (its active segment's headers only, as a clean checkpoint would), deletes it, and from then on a crash recovers each
 * log from its own checkpoint.
 *
 * <p>The record is seen at work through what a start checks: a value byte changed in an active segment after the stop
 * is outside the headers, so a start that takes the record's word keeps the batch, and one that recovers (CRC32C)
 * cuts the log there.
 */
class CleanShutdownTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1048576"));
    private static final int PARTITIONS = 3;
    private static final int BATCHES = 20;

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void closeManagers() {
        managers.forEach(LogManager::close);
    }

    private LogManager open() {
        return open(FlushMode.FSYNC);
    }

    private LogManager open(FlushMode mode) {
        LogManager manager = LogManager.open(dataDir, new FlushPolicy(mode, 1000, 10_000), 3_600_000,
                t -> CONFIG, clock);
        managers.add(manager);
        return manager;
    }

    private void closeAll() {
        managers.forEach(LogManager::close);
        managers.clear();
    }

    /** Appends {@link #BATCHES} batches of 3 records to each partition and stops cleanly; returns what partition 0 held. */
    private List<String> writeAndStop() {
        return writeAndStop(false);
    }

    /**
     * As {@link #writeAndStop()}; with {@code forExit}, stopped as a process that ends right after stops
     * ({@link LogManager#closeForExit}): the segments stay mapped and open in this JVM until it ends.
     */
    private List<String> writeAndStop(boolean forExit) {
        LogManager manager = open();
        List<String> first = null;
        for (int p = 0; p < PARTITIONS; p++) {
            PartitionLog log = manager.getOrCreate("t", p, CONFIG);
            for (int i = 0; i < BATCHES; i++) {
                log.append(batch("p" + p + "-r" + i, 3, 1000 + i));
            }
            if (p == 0) {
                first = readAll(log, 0);
            }
        }
        if (forExit) {
            managers.remove(manager);
            manager.closeForExit();
        }
        closeAll();
        return first;
    }

    private Path activeSegment(int partition) {
        return dataDir.resolve("t-" + partition).resolve(Segment.fileName(0, ".log"));
    }

    /** Changes one byte of the last record's value in partition 0's active segment: covered by the CRC, no header. */
    private void damageLastValue() throws Exception {
        long content = CleanShutdown.read(dataDir).get("t-0").activeSize();
        try (RandomAccessFile f = new RandomAccessFile(activeSegment(0).toFile(), "rw")) {
            f.seek(content - 3);
            int old = f.read();
            f.seek(content - 3);
            f.write(old ^ 0x55);
        }
    }

    @Test
    void aCleanStopLeavesOneRecordAndTheActiveSegmentsAtTheirPreallocatedLength() throws Exception {
        writeAndStop();
        Map<String, CleanShutdown.Entry> entries = CleanShutdown.read(dataDir);
        assertEquals(PARTITIONS, entries.size(), "entries of " + entries);
        for (int p = 0; p < PARTITIONS; p++) {
            CleanShutdown.Entry entry = entries.get("t-" + p);
            assertEquals(BATCHES * 3, entry.recoveryPoint(), "recovery point of t-" + p);
            assertTrue(Files.size(activeSegment(p)) > entry.activeSize(), "t-" + p + "'s active segment was trimmed");
            Checkpoint own = Checkpoint.read(dataDir.resolve("t-" + p));
            assertFalse(own != null && own.clean(), "t-" + p + "'s own checkpoint says clean: " + own);
        }
    }

    @Test
    void theNextStartTakesTheRecordsWordAndDeletesIt() throws Exception {
        writeAndStop();
        damageLastValue();
        LogManager manager = open();
        assertFalse(Files.exists(dataDir.resolve(CleanShutdown.FILE_NAME)), "the record outlived the start");
        for (int p = 0; p < PARTITIONS; p++) {
            assertEquals(BATCHES * 3, manager.get("t", p).orElseThrow().logEndOffset(), "log end of t-" + p);
        }
    }

    @Test
    void aStartAfterACleanStopSaysSoAndItsLogsAreIntactInEveryFlushMode() {
        writeAndStop();
        LogManager manager = open(FlushMode.INTERVAL);
        assertTrue(manager.lastStopWasClean());
        assertTrue(manager.logsIntactSinceLastStop());
    }

    /** A kill leaves no record: the logs may lack acknowledged records unless every acknowledged write was forced. */
    @Test
    void aStartWithoutTheRecordIsUncleanAndItsLogsIntactOnlyInFsyncMode() throws Exception {
        writeAndStop();
        Files.delete(dataDir.resolve(CleanShutdown.FILE_NAME));
        LogManager interval = open(FlushMode.INTERVAL);
        assertFalse(interval.lastStopWasClean());
        assertFalse(interval.logsIntactSinceLastStop(), "flush.mode=interval acknowledges from the page cache");
        closeAll();
        Files.delete(dataDir.resolve(CleanShutdown.FILE_NAME));
        LogManager fsync = open(FlushMode.FSYNC);
        assertFalse(fsync.lastStopWasClean());
        assertTrue(fsync.logsIntactSinceLastStop(), "flush.mode=fsync forces before it acknowledges");
    }

    @Test
    void aRecordThatLeavesOutALogIsNotACleanStop() throws Exception {
        writeAndStop();
        Map<String, CleanShutdown.Entry> entries = new HashMap<>(CleanShutdown.read(dataDir));
        entries.remove("t-1");
        CleanShutdown.write(dataDir, entries.values());
        LogManager manager = open(FlushMode.NONE);
        assertFalse(manager.lastStopWasClean(), "t-1 was not vouched for");
        assertFalse(manager.logsIntactSinceLastStop());
    }

    @Test
    void aNewDataDirectoryIsNeverIntact() {
        LogManager manager = open(FlushMode.FSYNC);
        assertFalse(manager.lastStopWasClean());
        assertFalse(manager.logsIntactSinceLastStop(), "a replaced disk must not count as holding anything");
    }

    @Test
    void withoutTheRecordAStartRecoversEachLogFromItsOwnCheckpoint() throws Exception {
        writeAndStop();
        damageLastValue();
        Files.delete(dataDir.resolve(CleanShutdown.FILE_NAME));
        LogManager manager = open();
        assertEquals((BATCHES - 1) * 3, manager.get("t", 0).orElseThrow().logEndOffset(), "cut at the damaged batch");
        assertEquals(BATCHES * 3, manager.get("t", 1).orElseThrow().logEndOffset());
    }

    @Test
    void aDamagedRecordIsNotTakenAtItsWord() throws Exception {
        writeAndStop();
        damageLastValue();
        Path record = dataDir.resolve(CleanShutdown.FILE_NAME);
        byte[] bytes = Files.readAllBytes(record);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(record, bytes);
        assertTrue(CleanShutdown.read(dataDir).isEmpty(), "a record failing its CRC was read");
        LogManager manager = open();
        assertEquals((BATCHES - 1) * 3, manager.get("t", 0).orElseThrow().logEndOffset(), "cut at the damaged batch");
    }

    @Test
    void anEntryLongerThanItsActiveSegmentIsNotTakenAtItsWord() throws Exception {
        List<String> written = writeAndStop();
        long content = CleanShutdown.read(dataDir).get("t-0").activeSize();
        // As if the file lost its end: it now ends inside the last batch, short of what the record says.
        try (RandomAccessFile f = new RandomAccessFile(activeSegment(0).toFile(), "rw")) {
            f.setLength(content - 10);
        }
        PartitionLog log = open().get("t", 0).orElseThrow();
        assertEquals((BATCHES - 1) * 3, log.logEndOffset(), "the torn last batch was kept");
        assertEquals(written.subList(0, (BATCHES - 1) * 3), readAll(log, 0));
    }

    @Test
    void aCrashAfterAStartFromTheRecordKeepsEveryRecordForced() {
        List<String> before = writeAndStop();
        LogManager restarted = open();
        PartitionLog log = restarted.get("t", 0).orElseThrow();
        for (int i = 0; i < 5; i++) {
            log.append(batch("after-" + i, 3, 5000 + i));
        }
        List<String> all = readAll(log, 0);
        assertEquals(before, all.subList(0, before.size()));
        // A crash: the restarted manager is never closed, so no record is written; the start recovers from t-0's own
        // checkpoint over its untrimmed active segment.
        managers.remove(restarted);
        PartitionLog recovered = open().get("t", 0).orElseThrow();
        assertEquals((BATCHES + 5) * 3, recovered.logEndOffset());
        assertEquals(all, readAll(recovered, 0));
    }

    @Test
    void aStopForAnEndingProcessLeavesTheSameRecordAndTheNextStartTakesItsWord() throws Exception {
        List<String> written = writeAndStop(true);
        Map<String, CleanShutdown.Entry> entries = CleanShutdown.read(dataDir);
        assertEquals(PARTITIONS, entries.size(), "entries of " + entries);
        LogManager manager = open();
        assertEquals(0, manager.batchesValidatedAtOpen(), "batches validated one by one");
        for (int p = 0; p < PARTITIONS; p++) {
            assertEquals(BATCHES * 3, manager.get("t", p).orElseThrow().logEndOffset(), "log end of t-" + p);
        }
        assertEquals(written, readAll(manager.get("t", 0).orElseThrow(), 0));
    }

    @Test
    void aCleanStopWritesNoIndexFileOfAnActiveSegmentAndTheNextStartStillFindsEveryOffsetAndTimestamp() throws Exception {
        TopicConfig sparse = CONFIG.with(Map.of("index.interval.bytes", "100"));
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, sparse);
        for (int i = 0; i < 50; i++) {
            log.append(batch("r" + i, 3, 10_000 + 10L * i));
        }
        closeAll();
        Path dir = dataDir.resolve("t-0");
        assertFalse(Files.exists(dir.resolve(Segment.fileName(0, ".index"))), "the active segment's .index was written");
        assertFalse(Files.exists(dir.resolve(Segment.fileName(0, ".timeindex"))),
                "the active segment's .timeindex was written");
        PartitionLog reopened = open().get("t", 0).orElseThrow();
        for (long offset = 0; offset < 150; offset += 7) {
            try (LogSlice slice = reopened.read(offset, 1)) {
                long want = offset;
                assertTrue(decode(slice).stream().anyMatch(r -> r.startsWith(want + "=")), "offset " + offset
                        + " not in the slice read for it");
            }
        }
        for (int i = 0; i < 50; i += 3) {
            assertEquals(3L * i, reopened.offsetForTimestamp(10_000 + 10L * i).offset(), "offset for the timestamp of"
                    + " batch " + i);
        }
    }
}
