package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.decode;
import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.ManualClock;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void closeManagers() {
        managers.forEach(LogManager::close);
    }

    private TopicConfig config(Map<String, String> overrides) {
        return TopicConfig.defaults().with(overrides);
    }

    private PartitionLog open(TopicConfig config) {
        return open(config, new FlushPolicy(FlushMode.NONE, 1000, 10_000));
    }

    private PartitionLog open(TopicConfig config, FlushPolicy policy) {
        LogManager manager = LogManager.open(dataDir, policy, 3_600_000, topic -> config, clock);
        managers.add(manager);
        return manager.getOrCreate("t", 0, config);
    }

    private void closeAll() {
        managers.forEach(LogManager::close);
        managers.clear();
    }

    @Test
    void appendAssignsContiguousOffsetsAndReadsTheBatchesBack() {
        PartitionLog log = open(TopicConfig.defaults());
        AppendResult first = log.append(batch("a", 3, 1000));
        AppendResult second = log.append(batch("b", 2, 2000));
        assertEquals(0, first.firstOffset());
        assertEquals(2, first.lastOffset());
        assertEquals(3, second.firstOffset());
        assertEquals(5, log.logEndOffset());
        assertEquals(List.of("0=a-0", "1=a-1", "2=a-2", "3=b-0", "4=b-1"), readAll(log, 0));
    }

    @Test
    void readFromAnOffsetInsideABatchReturnsTheWholeBatch() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(batch("a", 5, 1000));
        try (LogSlice slice = log.read(3, 1 << 20)) {
            assertEquals(0, slice.firstOffset());
            assertEquals(5, slice.nextOffset());
            assertEquals(5, decode(slice).size());
        }
    }

    @Test
    void aSliceCutAfterAnOffsetKeepsTheBatchHoldingItAndDropsTheLaterOnes() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(batch("a", 3, 1000));
        log.append(batch("b", 3, 2000));
        log.append(batch("c", 3, 3000));

        try (LogSlice cut = log.read(1, 1 << 20).cutAfter(4)) {
            assertEquals(0, cut.firstOffset());
            assertEquals(6, cut.nextOffset());
            assertEquals(List.of("0=a-0", "1=a-1", "2=a-2", "3=b-0", "4=b-1", "5=b-2"), decode(cut));
        }
        LogSlice whole = log.read(0, 1 << 20);
        assertSame(whole, whole.cutAfter(8), "a slice whose last batch holds the offset is kept as it is");
        whole.close();
        assertTrue(log.read(3, 1 << 20).cutAfter(2).isEmpty(), "an offset below the first batch keeps nothing");
    }

    @Test
    void readAtTheLogEndIsEmptyAndPastItIsOutOfRange() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(batch("a", 2, 1000));
        assertTrue(log.read(2, 1000).isEmpty());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(3, 1000));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 1000));
    }

    @Test
    void readReturnsAtLeastOneWholeBatchEvenWhenLargerThanMaxBytes() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(batch("a", 50, 1000));
        log.append(batch("b", 50, 1000));
        try (LogSlice slice = log.read(0, 10)) {
            assertEquals(50, slice.nextOffset());
        }
    }

    @Test
    void sliceBytesAreTheProducerBatchWithOnlyTheBaseOffsetRewritten() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(batch("x", 1, 1000));
        ByteBuffer sent = batch("y", 4, 5000);
        ByteBuffer expected = ByteBuffer.allocate(sent.remaining()).put(sent.duplicate());
        expected.putLong(0, 1L).flip();
        log.append(sent);
        try (LogSlice slice = log.read(1, 1 << 20)) {
            ByteBuffer stored = ByteBuffer.allocate(slice.sizeInBytes());
            slice.copyTo(stored);
            assertEquals(expected, stored.flip());
        }
    }

    @Test
    void segmentsRollBySizeAndEveryOffsetIsFoundAcrossSegments() {
        PartitionLog log = open(config(Map.of("segment.bytes", "2048", "index.interval.bytes", "200")));
        for (int i = 0; i < 100; i++) {
            log.append(batch("r" + i, 3, 1000 + i));
        }
        assertTrue(log.segmentCount() > 3, "segments: " + log.segmentCount());
        for (long offset = 0; offset < 300; offset++) {
            try (LogSlice slice = log.read(offset, 1)) {
                List<String> records = decode(slice);
                long want = offset;
                assertTrue(records.stream().anyMatch(r -> r.startsWith(want + "=")), "offset " + offset);
            }
        }
        assertEquals(300, readAll(log, 0).size());
    }

    @Test
    void segmentsRollByAge() {
        PartitionLog log = open(config(Map.of("segment.ms", "1000")));
        log.append(batch("a", 1, clock.millis()));
        clock.advance(999);
        log.append(batch("b", 1, clock.millis()));
        assertEquals(1, log.segmentCount());
        clock.advance(2000);
        log.append(batch("c", 1, clock.millis()));
        assertEquals(2, log.segmentCount());
    }

    @Test
    void retentionByBytesDeletesOldSegmentsWhileAReaderStillHoldsASlice() {
        PartitionLog log = open(config(Map.of("segment.bytes", "1024", "retention.bytes", "2048")));
        for (int i = 0; i < 40; i++) {
            log.append(batch("r" + i, 2, clock.millis()));
        }
        LogSlice held = log.read(0, 1 << 20);
        int deleted = log.enforceRetention();
        assertTrue(deleted > 0);
        assertTrue(log.logStartOffset() > 0);
        assertTrue(log.sizeInBytes() <= 2048 + 1024, "size " + log.sizeInBytes());
        assertEquals("0=r0-0", decode(held).get(0));
        held.close();
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 100));
        assertEquals(log.logStartOffset(), Long.parseLong(readAll(log, log.logStartOffset()).get(0).split("=")[0]));
    }

    @Test
    void retentionByTimeDeletesSegmentsWhoseNewestRecordIsTooOld() {
        PartitionLog log = open(config(Map.of("segment.bytes", "1024", "retention.ms", "60000", "segment.ms", "60000")));
        for (int i = 0; i < 20; i++) {
            log.append(batch("old" + i, 2, clock.millis()));
        }
        clock.advance(120_000);
        log.append(batch("new", 2, clock.millis()));
        log.enforceRetention();
        assertEquals(40, log.logStartOffset());
        assertEquals(List.of("40=new-0", "41=new-1"), readAll(log, 40));
    }

    @Test
    void retentionByTimeCanEmptyTheWholeLogAndAppendsContinue() {
        PartitionLog log = open(config(Map.of("retention.ms", "1000")));
        log.append(batch("a", 3, clock.millis()));
        clock.advance(5000);
        log.enforceRetention();
        assertEquals(3, log.logStartOffset());
        assertEquals(3, log.logEndOffset());
        assertEquals(3, log.append(batch("b", 1, clock.millis())).firstOffset());
    }

    @Test
    void reopenAfterCleanCloseContinuesTheOffsets() {
        TopicConfig cfg = config(Map.of("segment.bytes", "4096"));
        PartitionLog log = open(cfg);
        for (int i = 0; i < 30; i++) {
            log.append(batch("r" + i, 2, 1000 + i));
        }
        closeAll();
        PartitionLog reopened = open(cfg);
        assertEquals(60, reopened.logEndOffset());
        assertEquals(60, reopened.append(batch("after", 1, 5000)).firstOffset());
        List<String> all = readAll(reopened, 0);
        assertEquals(61, all.size());
        assertEquals("60=after-0", all.get(60));
    }

    @Test
    void reopenAfterAnUncleanStopRecoversEveryWrittenBatch() throws Exception {
        TopicConfig cfg = config(Map.of("segment.bytes", "4096"));
        PartitionLog log = open(cfg);
        for (int i = 0; i < 30; i++) {
            log.append(batch("r" + i, 2, 1000 + i));
        }
        // No close: the checkpoint still says the log was not shut down cleanly.
        managers.clear();
        PartitionLog reopened = open(cfg);
        assertEquals(60, reopened.logEndOffset());
        assertEquals(60, readAll(reopened, 0).size());
        assertEquals(60, reopened.append(batch("after", 1, 5000)).firstOffset());
    }

    @Test
    void missingOrCorruptIndexFilesAreRebuilt() throws Exception {
        TopicConfig cfg = config(Map.of("segment.bytes", "2048", "index.interval.bytes", "100"));
        PartitionLog log = open(cfg);
        for (int i = 0; i < 60; i++) {
            log.append(batch("r" + i, 2, 1000 + i));
        }
        closeAll();
        Path dir = dataDir.resolve("t-0");
        try (var files = Files.list(dir)) {
            int n = 0;
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.toString().endsWith(".index")) {
                    if (n++ % 2 == 0) {
                        Files.delete(p);
                    } else {
                        Files.write(p, new byte[] {1, 2, 3});
                    }
                }
            }
        }
        PartitionLog reopened = open(cfg);
        for (long offset = 0; offset < 120; offset += 7) {
            try (LogSlice slice = reopened.read(offset, 1)) {
                long want = offset;
                assertTrue(decode(slice).stream().anyMatch(r -> r.startsWith(want + "=")));
            }
        }
    }

    @Test
    void aCorruptCrcIsRefusedAndNothingIsAppended() {
        PartitionLog log = open(TopicConfig.defaults());
        ByteBuffer bad = batch("a", 2, 1000);
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x5A));
        assertThrows(CorruptRecordBatchException.class, () -> log.append(bad));
        assertEquals(0, log.logEndOffset());
    }

    @Test
    void aBatchInAnOldMessageFormatIsRefused() {
        PartitionLog log = open(TopicConfig.defaults());
        ByteBuffer old = batch("a", 1, 1000);
        old.put(16, (byte) 1);
        assertThrows(UnsupportedMagicException.class, () -> log.append(old));
    }

    @Test
    void aBatchOverMaxMessageBytesIsRefused() {
        PartitionLog log = open(config(Map.of("max.message.bytes", "1000")));
        assertThrows(RecordBatchTooLargeException.class, () -> log.append(Batches.batchOfSize(2000, 1000)));
        assertEquals(0, log.logEndOffset());
    }

    @Test
    void aTruncatedRequestIsRefusedAsCorrupt() {
        PartitionLog log = open(TopicConfig.defaults());
        ByteBuffer whole = batch("a", 2, 1000);
        ByteBuffer cut = whole.duplicate().limit(whole.limit() - 5);
        assertThrows(CorruptRecordBatchException.class, () -> log.append(cut));
    }

    @Test
    void aRetriedIdempotentBatchIsAnsweredWithTheOriginalOffsets() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(batch("other", 2, 1000));
        AppendResult original = log.append(Batches.idempotent(7, (short) 0, 0, "x", "y"));
        AppendResult retry = log.append(Batches.idempotent(7, (short) 0, 0, "x", "y"));
        assertTrue(retry.duplicate());
        assertEquals(original.firstOffset(), retry.firstOffset());
        assertEquals(original.lastOffset(), retry.lastOffset());
        assertEquals(4, log.logEndOffset());
    }

    @Test
    void anIdempotentSequenceGapIsOutOfOrder() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(Batches.idempotent(7, (short) 0, 0, "x"));
        assertThrows(OutOfOrderSequenceException.class, () -> log.append(Batches.idempotent(7, (short) 0, 5, "z")));
        assertEquals(1, log.append(Batches.idempotent(7, (short) 0, 1, "y")).firstOffset());
    }

    @Test
    void anOlderProducerEpochIsFenced() {
        PartitionLog log = open(TopicConfig.defaults());
        log.append(Batches.idempotent(7, (short) 3, 0, "x"));
        assertThrows(InvalidProducerEpochException.class, () -> log.append(Batches.idempotent(7, (short) 2, 1, "y")));
    }

    @Test
    void producerStateSurvivesARestartSoRetriesAreStillRecognised() {
        TopicConfig cfg = TopicConfig.defaults();
        PartitionLog log = open(cfg);
        log.append(Batches.idempotent(9, (short) 0, 0, "a", "b"));
        managers.clear(); // unclean stop
        PartitionLog reopened = open(cfg);
        AppendResult retry = reopened.append(Batches.idempotent(9, (short) 0, 0, "a", "b"));
        assertTrue(retry.duplicate());
        assertEquals(0, retry.firstOffset());
        assertThrows(OutOfOrderSequenceException.class, () -> reopened.append(Batches.idempotent(9, (short) 0, 4, "c")));
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfterIt() {
        PartitionLog log = open(config(Map.of("segment.bytes", "1024")));
        for (int i = 0; i < 30; i++) {
            log.append(batch("r" + i, 3, 10_000 + i * 10L)); // records at +0, +1, +2
        }
        TimestampAndOffset hit = log.offsetForTimestamp(10_000 + 15 * 10L + 1);
        assertEquals(new TimestampAndOffset(10_151, 46), hit);
        assertEquals(new TimestampAndOffset(10_000, 0), log.offsetForTimestamp(0));
        assertNull(log.offsetForTimestamp(99_999));
        assertEquals(new TimestampAndOffset(10_292, 89), log.maxTimestamp());
    }

    @Test
    void logAppendTimeTopicsStampTheBrokerTimeAndKeepTheBatchValid() {
        PartitionLog log = open(config(Map.of("message.timestamp.type", "LogAppendTime")));
        AppendResult result = log.append(batch("a", 2, 5));
        assertEquals(clock.millis(), result.logAppendTime());
        try (LogSlice slice = log.read(0, 1 << 20)) {
            assertEquals(2, decode(slice).size()); // decode checks the CRC
        }
        assertEquals(new TimestampAndOffset(clock.millis(), 0), log.offsetForTimestamp(clock.millis()));
    }

    @Test
    void concurrentReadersOnlyEverSeeWholeValidBatches() throws Exception {
        PartitionLog log = open(config(Map.of("segment.bytes", "65536")));
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread reader = new Thread(() -> {
                try {
                    while (writing.get()) {
                        List<String> seen = readAll(log, log.logStartOffset());
                        for (int i = 0; i < seen.size(); i++) {
                            assertTrue(seen.get(i).startsWith(i + "="), seen.get(i));
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            reader.start();
            readers.add(reader);
        }
        for (int i = 0; i < 2000; i++) {
            log.append(batch("w" + i, 5, 1000 + i));
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(List.of(), failures);
        assertEquals(10_000, readAll(log, 0).size());
    }

    @Test
    void inFsyncModeAnAppendIsDurableOnlyOnceForcedAndFsyncsAreShared() throws Exception {
        PartitionLog log = open(TopicConfig.defaults(), FlushPolicy.fsync());
        List<Thread> writers = new ArrayList<>();
        List<CompletableFuture<Void>> checks = new CopyOnWriteArrayList<>();
        for (int w = 0; w < 8; w++) {
            int id = w;
            Thread t = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    AppendResult r = log.append(batch("w" + id + "-" + i, 1, 1000));
                    // When the future completes, the flush that covered this append has already returned.
                    checks.add(r.durable().thenRun(() -> assertTrue(log.durableOffset() >= r.lastOffset() + 1)));
                }
            });
            t.start();
            writers.add(t);
        }
        for (Thread t : writers) {
            t.join();
        }
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertEquals(800, log.durableOffset());
        assertTrue(log.fsyncCount() > 0 && log.fsyncCount() < 800, "fsyncs: " + log.fsyncCount());
    }

    @Test
    void inNoneModeAppendsCountAsDurableAtOnceWithoutAnFsync() {
        PartitionLog log = open(TopicConfig.defaults(), new FlushPolicy(FlushMode.NONE, 1000, 10_000));
        AppendResult r = log.append(batch("a", 1, 1000));
        assertTrue(r.durable().isDone());
        assertEquals(0, log.fsyncCount());
    }

    @Test
    void deletingALogKeepsHeldSlicesReadable() {
        LogManager manager = LogManager.open(dataDir, FlushPolicy.fsync(), 3_600_000, t -> TopicConfig.defaults(), clock);
        managers.add(manager);
        PartitionLog log = manager.getOrCreate("gone", 0, TopicConfig.defaults());
        log.append(batch("a", 3, 1000));
        LogSlice held = log.read(0, 1 << 20);
        manager.delete("gone", 0);
        assertFalse(Files.exists(dataDir.resolve("gone-0")));
        assertEquals(3, decode(held).size());
        held.close();
        assertFalse(manager.get("gone", 0).isPresent());
        assertNotNull(manager.getOrCreate("gone", 0, TopicConfig.defaults()));
    }
}
