package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.decode;
import static io.spindle.log.Reads.readAll;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.CleanerSettings;
import io.spindle.config.FlushMode;
import io.spindle.config.StorageSettings;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.ManualClock;
import io.spindle.log.compact.CleanableLog;
import io.spindle.log.compact.LogCleaner;
import io.spindle.log.compact.CleanedTransactions;
import io.spindle.log.compact.OffsetMap;
import io.spindle.log.compact.SegmentCleaner;
import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log cleaner on real partition logs, one clean at a time on the test's thread (log.cleaner.threads=0): what a
 * compacted log holds afterwards, for readers during and after the swap, after a reopen, for an idempotent producer,
 * and when one partition cannot be cleaned.
 */
class LogCleanerTest {
    private static final TopicConfig COMPACTED = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY,
            "compact", TopicConfig.SEGMENT_BYTES, "400", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void closeManagers() {
        managers.forEach(LogManager::close);
    }

    private LogManager open() {
        StorageSettings storage = new StorageSettings(dataDir, FlushMode.NONE, 1000, 10_000, 3_600_000,
                CleanerSettings.defaults().withThreads(0));
        LogManager manager = LogManager.open(storage, topic -> COMPACTED, clock);
        managers.add(manager);
        return manager;
    }

    private void closeAll() {
        managers.forEach(LogManager::close);
        managers.clear();
    }

    /** Twenty batches of three records, keys k0, k1, k2, values "u<i>-<k>": many segments of 400 bytes. */
    private static void writeUpdates(PartitionLog log, int from, int batches) {
        for (int i = from; i < from + batches; i++) {
            log.append(batch("u" + i, 3, 1000L * i));
        }
    }

    /** key ("k0") → "offset=value" of the records read, in order; at most one per key in the clean part. */
    private static Map<String, List<String>> byKey(List<String> records) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (String record : records) {
            String value = record.substring(record.indexOf('=') + 1);
            byKey.computeIfAbsent("k" + value.substring(value.indexOf('-') + 1), k -> new ArrayList<>()).add(record);
        }
        return byKey;
    }

    @Test
    void aCleanKeepsTheLatestRecordOfEachKeyAtItsOffsetAndLeavesTheActiveSegmentAlone() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        writeUpdates(log, 0, 20);
        List<String> before = readAll(log, 0);

        assertTrue(manager.cleaner().cleanOnce());

        List<String> after = readAll(log, 0);
        assertEquals(before.subList(before.size() - 3, before.size()), after.subList(after.size() - 3, after.size()),
                "the latest record of every key stays, at its offset");
        long activeBase = log.cleanable().segmentSummaries().get(log.segmentCount() - 1).baseOffset();
        List<String> cleanPart = after.stream().filter(r -> Long.parseLong(r.split("=")[0]) < activeBase).toList();
        byKey(cleanPart).forEach((key, records) -> assertEquals(1, records.size(), key + ": " + records));
        assertEquals(before.stream().filter(r -> Long.parseLong(r.split("=")[0]) >= activeBase).toList(),
                after.stream().filter(r -> Long.parseLong(r.split("=")[0]) >= activeBase).toList(),
                "the active segment is untouched");
        assertTrue(manager.cleaner().bytesRead() > 0 && manager.cleaner().bytesWritten() > 0);
        assertEquals(1, manager.cleaner().runs());
        assertFalse(manager.cleaner().cleanOnce(), "nothing is dirty any more");
    }

    @Test
    void aReaderHoldingASliceOfAReplacedSegmentKeepsReadingItsBytes() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        writeUpdates(log, 0, 20);
        try (LogSlice held = log.read(0, 1 << 20)) {
            List<String> seen = decode(held);

            manager.cleaner().cleanOnce();

            assertEquals(seen, decode(held), "the old segment's mapping outlives its file");
            assertTrue(readAll(log, 0).size() < 60, "the log itself was compacted meanwhile");
        }
    }

    @Test
    void readersAndTheWriterGoOnWhileACleanerThreadSwapsSegmentsUnderThem() throws Exception {
        StorageSettings storage = new StorageSettings(dataDir, FlushMode.NONE, 1000, 10_000, 3_600_000,
                CleanerSettings.defaults().withThreads(1).withBackoffMs(1));
        LogManager manager = LogManager.open(storage, topic -> COMPACTED, clock);
        managers.add(manager);
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try {
                while (!done.get()) {
                    writeUpdates(log, written.getAndIncrement(), 1);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        Thread reader = new Thread(() -> {
            try {
                while (!done.get()) {
                    // decode checks every batch's CRC; offsets must go up and each key's values must never go back.
                    Map<String, Integer> lastRound = new LinkedHashMap<>();
                    long previous = -1;
                    for (String record : readAll(log, 0)) {
                        long offset = Long.parseLong(record.substring(0, record.indexOf('=')));
                        assertTrue(offset > previous, offset + " after " + previous);
                        previous = offset;
                        String value = record.substring(record.indexOf('=') + 2);
                        int round = Integer.parseInt(value.substring(0, value.indexOf('-')));
                        String key = value.substring(value.indexOf('-') + 1);
                        Integer before = lastRound.put(key, round);
                        assertTrue(before == null || before < round, "k" + key + ": " + round + " after " + before);
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        writer.start();
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> manager.cleaner().runs() >= 20 || failure.get() != null);
        } finally {
            done.set(true);
            writer.join();
            reader.join();
        }
        assertEquals(null, failure.get());
        assertEquals(Map.of(), manager.cleaner().uncleanablePartitions());
        List<String> records = readAll(log, 0);
        int last = written.get() - 1;
        assertEquals(List.of("u" + last + "-0", "u" + last + "-1", "u" + last + "-2"), records.subList(records.size() - 3,
                records.size()).stream().map(r -> r.substring(r.indexOf('=') + 1)).toList());
    }

    @Test
    void aReadAtAnOffsetTheCleanRemovedReturnsTheNextBatch() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        writeUpdates(log, 0, 20);
        manager.cleaner().cleanOnce();
        List<String> kept = readAll(log, 0);
        long firstKept = Long.parseLong(kept.get(0).split("=")[0]);
        assertTrue(firstKept > 1, "offset 1 was removed: " + kept);

        try (LogSlice slice = log.read(1, 1 << 20)) {
            assertTrue(slice.firstOffset() > 1, "the batch after the hole: " + slice.firstOffset());
        }
        assertEquals(kept, readAll(log, 1), "reading on from the hole finds every record kept");
    }

    @Test
    void theNextCleanMergesSmallCleanedSegmentsUpToSegmentBytes() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        writeUpdates(log, 0, 20);
        manager.cleaner().cleanOnce();
        int cleanedSegments = log.segmentCount() - 1;
        writeUpdates(log, 20, 20);
        int before = log.segmentCount();

        manager.cleaner().cleanOnce();

        assertTrue(log.segmentCount() <= before - cleanedSegments + 1, "the first clean's " + cleanedSegments
                + " small segments were merged: " + before + " -> " + log.segmentCount());
        List<String> records = readAll(log, 0);
        assertEquals(List.of("u39-0", "u39-1", "u39-2"), records.subList(records.size() - 3, records.size()).stream()
                .map(r -> r.substring(r.indexOf('=') + 1)).toList());
    }

    @Test
    void aCompactedLogReopensWithItsHolesAfterACleanCloseAndWithoutACheckpoint() throws Exception {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        writeUpdates(log, 0, 20);
        manager.cleaner().cleanOnce();
        List<String> compacted = readAll(log, 0);
        long end = log.logEndOffset();
        long cleanedTo = manager.cleaner().cleanedOffsets().get("t-0");
        closeAll();

        PartitionLog reopened = open().get("t", 0).orElseThrow();
        assertEquals(compacted, readAll(reopened, 0), "after a clean close");
        assertEquals(end, reopened.logEndOffset());
        assertEquals(cleanedTo, managers.get(0).cleaner().cleanedOffsets().get("t-0"), "the cleaner checkpoint");
        closeAll();

        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        // Nothing vouches for the log any more (its own checkpoint if it has one, the data directory's recovery
        // points): every segment is validated batch by batch.
        Files.deleteIfExists(dataDir.resolve("t-0").resolve(Checkpoint.FILE_NAME));
        Files.deleteIfExists(dataDir.resolve(RecoveryPoints.FILE_NAME));
        reopened = open().get("t", 0).orElseThrow();
        assertEquals(compacted, readAll(reopened, 0), "after a recovery of every segment");
        assertEquals(end, reopened.logEndOffset());
        writeUpdates(reopened, 20, 1);
        assertEquals(end + 3, reopened.logEndOffset(), "appends continue at the end");
    }

    @Test
    void aSwapCutShortByACrashIsFinishedWhenTheLogIsOpened() throws Exception {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        writeUpdates(log, 0, 20);
        long end = log.logEndOffset();
        List<SegmentFile> sealed = log.cleanable().sealedSegments(0, Long.MAX_VALUE);
        closeAll();
        // What a cleaner thread killed after the commit and the first unlink leaves on disk.
        SegmentCleaner cleaner = new SegmentCleaner(new OffsetMap(1 << 12));
        long mappedEnd = cleaner.buildMap(sealed, 0, CleanedTransactions.none());
        List<SegmentFile> cleaned = cleaner.clean(sealed, mappedEnd, 400, clock.millis(), 86_400_000L,
                (producer, lastOffset) -> false, CleanedTransactions.none(), dataDir.resolve("t-0"));
        SegmentSwap swap = new SegmentSwap(dataDir.resolve("t-0"),
                sealed.stream().map(SegmentFile::baseOffset).toList(),
                cleaned.stream().map(SegmentFile::baseOffset).toList());
        swap.commit();
        Files.delete(sealed.get(0).path());

        PartitionLog reopened = open().get("t", 0).orElseThrow();

        List<String> records = readAll(reopened, 0);
        byKey(records.stream().filter(r -> Long.parseLong(r.split("=")[0]) < mappedEnd).toList())
                .forEach((key, kept) -> assertEquals(1, kept.size(), key + ": " + kept));
        assertEquals(List.of("u19-0", "u19-1", "u19-2"), records.subList(records.size() - 3, records.size()).stream()
                .map(r -> r.substring(r.indexOf('=') + 1)).toList());
        assertEquals(end, reopened.logEndOffset());
        try (Stream<Path> files = Files.list(dataDir.resolve("t-0"))) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".swap") || p.toString().endsWith(".cleaned")));
        }
    }

    @Test
    void aCompactedLogSwitchedToDeleteKeepsItsHolesThroughARecovery() throws Exception {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        writeUpdates(log, 0, 20);
        manager.cleaner().cleanOnce();
        List<String> compacted = readAll(log, 0);
        closeAll();
        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        // Nothing vouches for the log any more (its own checkpoint if it has one, the data directory's recovery
        // points): every segment is validated batch by batch.
        Files.deleteIfExists(dataDir.resolve("t-0").resolve(Checkpoint.FILE_NAME));
        Files.deleteIfExists(dataDir.resolve(RecoveryPoints.FILE_NAME));
        TopicConfig deleting = COMPACTED.with(Map.of(TopicConfig.CLEANUP_POLICY, "delete"));
        StorageSettings storage = new StorageSettings(dataDir, FlushMode.NONE, 1000, 10_000, 3_600_000,
                CleanerSettings.defaults().withThreads(0));
        managers.add(LogManager.open(storage, topic -> deleting, clock));

        PartitionLog reopened = managers.get(0).get("t", 0).orElseThrow();

        assertEquals(compacted, readAll(reopened, 0), "the holes the cleaner left are not taken for damage");
    }

    @Test
    void anIdempotentProducersLastBatchSurvivesTheCleanSoThatItsRetryIsStillADuplicate() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        log.append(Batches.idempotent(7, (short) 0, 0, "a"));
        AppendResult last = log.append(Batches.idempotent(7, (short) 0, 1, "b"));
        writeUpdates(log, 0, 20);
        manager.cleaner().cleanOnce();
        assertTrue(readAll(log, 0).stream().noneMatch(r -> r.endsWith("=b")), "the keyless record itself went");
        closeAll();

        PartitionLog reopened = open().get("t", 0).orElseThrow();
        AppendResult retry = reopened.append(Batches.idempotent(7, (short) 0, 1, "b"));
        assertTrue(retry.duplicate(), "the retry is recognised from the empty batch the clean kept");
        assertEquals(last.firstOffset(), retry.firstOffset());
    }

    @Test
    void aPartitionWhoseCleanFailsIsMarkedUncleanableAndTheOthersAreStillCleaned() throws Exception {
        LogManager manager = open();
        PartitionLog broken = manager.getOrCreate("t", 0, COMPACTED);
        PartitionLog healthy = manager.getOrCreate("t", 1, COMPACTED);
        writeUpdates(broken, 0, 40);
        writeUpdates(healthy, 0, 20);
        Path firstSegment = broken.directory().resolve(Segment.fileName(0, ".log"));
        Files.delete(firstSegment);          // the log keeps its mapping; the cleaner cannot open the file
        Files.createDirectory(firstSegment);
        LogCleaner cleaner = manager.cleaner();

        assertTrue(cleaner.cleanOnce());
        assertTrue(cleaner.cleanOnce());     // both are all dirty: one clean each, in either order

        assertEquals(List.of("t-0"), List.copyOf(cleaner.uncleanablePartitions().keySet()));
        assertTrue(cleaner.uncleanablePartitions().get("t-0").contains(firstSegment.toString()),
                "the failure names the file: " + cleaner.uncleanablePartitions());
        assertTrue(cleaner.cleanedOffsets().containsKey("t-1"), "the healthy partition was cleaned all the same");
        assertFalse(cleaner.cleanOnce(), "the broken one is not tried again");
        assertFalse(cleaner.cleanedOffsets().containsKey("t-0"));
        assertEquals(40 * 3, readAll(broken, 0).size(), "the broken one still serves everything");
        Files.delete(firstSegment);
        try (Stream<Path> files = Files.list(broken.directory())) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".swap")));
        }
    }

    @Test
    void aSegmentShrunkUnderTheCleanerFailsThatPartitionsCleanLeavingItsLogAsItWasAndTheOthersAreStillCleaned(
            @TempDir Path cleanerDir) throws Exception {
        LogManager manager = open();
        PartitionLog broken = manager.getOrCreate("t", 0, COMPACTED);
        PartitionLog healthy = manager.getOrCreate("t", 1, COMPACTED);
        writeUpdates(broken, 0, 40);
        writeUpdates(healthy, 0, 20);
        Path firstSegment = broken.directory().resolve(Segment.fileName(0, ".log"));
        long secondBase = broken.cleanable().segmentSummaries().get(1).baseOffset();
        List<String> servedBefore = readAll(broken, secondBase);
        List<Path> filesBefore = filesOf(broken.directory());
        // A cleaner looks at the foreground load first after the first run of its map pass: the first segment is cut
        // then, under the clean (another process, or a disk fault; no path of the broker shrinks a sealed segment).
        AtomicBoolean cut = new AtomicBoolean();
        LongSupplier appendedBytes = () -> {
            if (cut.compareAndSet(false, true)) {
                try (FileChannel channel = FileChannel.open(firstSegment, StandardOpenOption.WRITE)) {
                    channel.truncate(channel.size() / 2);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return 0;
        };
        AtomicReference<List<CleanableLog>> logs = new AtomicReference<>(List.of(broken.cleanable()));
        LogCleaner cleaner = new LogCleaner(CleanerSettings.defaults().withThreads(0), cleanerDir, logs::get, clock,
                appendedBytes);

        assertTrue(cleaner.cleanOnce());
        logs.set(List.of(broken.cleanable(), healthy.cleanable()));
        assertTrue(cleaner.cleanOnce());

        assertTrue(cut.get());
        assertEquals(Set.of("t-0"), cleaner.uncleanablePartitions().keySet());
        String failure = cleaner.uncleanablePartitions().get("t-0");
        assertTrue(failure.contains(firstSegment.toString()) && failure.contains("shrank under the cleaner"), failure);
        assertTrue(cleaner.cleanedOffsets().containsKey("t-1"), "the healthy partition was cleaned all the same");
        assertFalse(cleaner.cleanedOffsets().containsKey("t-0"));
        assertEquals(filesBefore, filesOf(broken.directory()), "no cleaned file left, nothing swapped");
        assertEquals(servedBefore, readAll(broken, secondBase), "the broken log still serves what it can read");
        assertFalse(broken.isOffline());
        long end = broken.logEndOffset();
        assertEquals(end, broken.append(batch("after", 3, 41_000L)).firstOffset(), "and takes appends");
        cleaner.close();
    }

    private static List<Path> filesOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }
}
