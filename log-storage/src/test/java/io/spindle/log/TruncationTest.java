package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.decode;
import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PartitionLog#truncateTo}: a log of 30 batches of 3 records over several segments (segment.bytes 1000) is cut
 * at each batch boundary, inside a batch and at its start, and must read, take appends and reopen — after a clean
 * close, without a checkpoint, and as after a crash — exactly as the log of the batches before the cut.
 */
class TruncationTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1000"));
    private static final int BATCHES = 30;
    private static final int PER_BATCH = 3;
    private static final long END = (long) BATCHES * PER_BATCH;

    @TempDir
    Path dataDir;

    // Near the batches' timestamps (1000 on): a producer whose last batch is older than producer.id.expiration.ms (a
    // day) by the clock is forgotten when the log opens, as Kafka forgets it.
    private final ManualClock clock = new ManualClock(1_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void closeManagers() {
        managers.forEach(LogManager::close);
    }

    private PartitionLog open() {
        LogManager manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.FSYNC, 1000, 10_000), 3_600_000,
                t -> CONFIG, clock);
        managers.add(manager);
        return manager.getOrCreate("t", 0, CONFIG);
    }

    private void closeAll() {
        managers.forEach(LogManager::close);
        managers.clear();
    }

    private Path partitionDir() {
        return dataDir.resolve("t-0");
    }

    /** Appends the 30 batches ("b0-0", "b0-1", ... at offsets 0, 1, ...) and returns the records read back. */
    private static List<String> fill(PartitionLog log) {
        for (int i = 0; i < BATCHES; i++) {
            log.append(batch("b" + i, PER_BATCH, 1000 + i));
        }
        assertTrue(log.segmentCount() > 3, "the log rolled only to " + log.segmentCount() + " segment(s)");
        return readAll(log, 0);
    }

    private static List<String> below(List<String> records, long offset) {
        return records.stream().filter(r -> Long.parseLong(r.substring(0, r.indexOf('='))) < offset).toList();
    }

    private static List<String> plus(List<String> records, long firstOffset, String prefix) {
        List<String> all = new ArrayList<>(records);
        for (int i = 0; i < PER_BATCH; i++) {
            all.add((firstOffset + i) + "=" + prefix + "-" + i);
        }
        return all;
    }

    static Stream<Long> boundaries() {
        return IntStream.range(0, BATCHES).mapToObj(i -> (long) i * PER_BATCH);
    }

    @ParameterizedTest(name = "cut at offset {0}")
    @MethodSource("boundaries")
    void aCutAtABatchBoundaryLeavesExactlyTheBatchesBeforeItAndAppendsContinueThereAcrossRestarts(long boundary) {
        PartitionLog log = open();
        List<String> written = fill(log);

        assertEquals(boundary, log.truncateTo(boundary));

        assertEquals(boundary, log.logEndOffset());
        List<String> kept = below(written, boundary);
        assertEquals(kept, readAll(log, 0));
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(boundary + 1, 1 << 20));
        assertEquals(boundary, log.append(batch("new", PER_BATCH, 5000)).firstOffset());
        List<String> expected = plus(kept, boundary, "new");
        assertEquals(expected, readAll(log, 0));

        closeAll();
        PartitionLog reopened = open();
        assertEquals(boundary + PER_BATCH, reopened.logEndOffset());
        assertEquals(expected, readAll(reopened, 0));
        assertEquals(boundary + PER_BATCH, reopened.append(batch("later", PER_BATCH, 6000)).firstOffset());
        assertEquals(plus(expected, boundary + PER_BATCH, "later"), readAll(reopened, 0));
    }

    @Test
    void aCutInsideABatchRemovesTheWholeBatchAndTheLogEndsAtItsBaseOffset() {
        PartitionLog log = open();
        List<String> written = fill(log);

        assertEquals(42, log.truncateTo(43));

        assertEquals(42, log.logEndOffset());
        assertEquals(below(written, 42), readAll(log, 0));
        assertEquals(42, log.append(batch("new", PER_BATCH, 5000)).firstOffset());
    }

    @Test
    void aCutAtTheLogStartEmptiesTheLogAndAppendsStartThereAgain() {
        PartitionLog log = open();
        fill(log);

        assertEquals(0, log.truncateTo(0));

        assertEquals(0, log.logEndOffset());
        assertEquals(0, log.logStartOffset());
        assertEquals(1, log.segmentCount());
        assertTrue(log.read(0, 1 << 20).isEmpty());
        assertEquals(0, log.append(batch("new", PER_BATCH, 5000)).firstOffset());
        closeAll();
        assertEquals(plus(List.of(), 0, "new"), readAll(open(), 0));
    }

    @Test
    void startingAgainPastTheEndEmptiesTheLogAndAppendsContinueThereAcrossRestarts() {
        PartitionLog log = open();
        fill(log);

        assertEquals(200, log.truncateFullyAndStartAt(200));

        assertEquals(200, log.logStartOffset());
        assertEquals(200, log.logEndOffset());
        assertEquals(1, log.segmentCount());
        assertTrue(log.producers().isEmpty());
        assertTrue(log.leaderEpochs().entries().isEmpty());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 1 << 20));
        assertEquals(200, log.append(batch("new", PER_BATCH, 5000)).firstOffset());
        closeAll();
        PartitionLog reopened = open();
        assertEquals(200, reopened.logStartOffset());
        assertEquals(plus(List.of(), 200, "new"), readAll(reopened, 200));
    }

    @Test
    void aLogStartedAgainAndNeverClosedIsFoundEmptyAtItsNewStartByTheNextOpen() {
        PartitionLog log = open();
        fill(log);
        log.truncateFullyAndStartAt(200);
        LogManager crashed = managers.remove(0); // not closed: no clean checkpoint
        try {
            PartitionLog reopened = open();
            assertEquals(200, reopened.logStartOffset());
            assertEquals(200, reopened.logEndOffset());
            assertEquals(200, reopened.append(batch("new", PER_BATCH, 5000)).firstOffset());
        } finally {
            closeAll();
            crashed.close();
        }
    }

    @Test
    void startingAgainAtOrBelowTheEndIsRefused() {
        PartitionLog log = open();
        fill(log);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.truncateFullyAndStartAt(END));
        assertEquals("t-0: cannot start again at offset " + END + ", which is not past the log end " + END,
                e.getMessage());
        assertEquals(END, log.logEndOffset());
    }

    @Test
    void aCutBelowTheLogStartIsRefusedNamingBothOffsets() {
        PartitionLog log = open();
        fill(log);
        log.updateConfig(CONFIG.with(Map.of(TopicConfig.RETENTION_BYTES, Long.toString(log.sizeInBytes() / 2))));
        log.enforceRetention();            // size retention deletes the oldest half of the segments
        long start = log.logStartOffset();
        assertTrue(start > 0, "no segment was deleted");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.truncateTo(start - 1));

        assertTrue(e.getMessage().contains("offset " + (start - 1)) && e.getMessage().contains("log start offset " + start),
                e.getMessage());
        assertEquals(END, log.logEndOffset());
        assertEquals(start, log.truncateTo(start));
        assertEquals(start, log.logStartOffset());
        assertEquals(start, log.append(batch("new", PER_BATCH, 5000)).firstOffset());
    }

    @Test
    void aCutAtOrPastTheLogEndChangesNothingAndAnnouncesNothing() {
        PartitionLog log = open();
        List<String> written = fill(log);
        List<Long> announced = new CopyOnWriteArrayList<>();
        log.addListener(new LogListener() {
            @Override
            public void truncated(PartitionLog cut, long logEndOffset) {
                announced.add(logEndOffset);
            }
        });

        assertEquals(END, log.truncateTo(END));
        assertEquals(END, log.truncateTo(END + 100));

        assertEquals(written, readAll(log, 0));
        assertEquals(List.of(), announced);
    }

    @Test
    void listenersHearTheNewLogEndOnce() {
        PartitionLog log = open();
        fill(log);
        List<Long> announced = new CopyOnWriteArrayList<>();
        log.addListener(new LogListener() {
            @Override
            public void truncated(PartitionLog cut, long logEndOffset) {
                announced.add(logEndOffset);
            }
        });

        log.truncateTo(31);

        assertEquals(List.of(30L), announced);
    }

    @Test
    void theCutIsDurableAndLowersTheDurableOffsetAndTheRecoveryPoint() throws Exception {
        PartitionLog log = open();
        fill(log);
        log.awaitFlushed(END).get(10, TimeUnit.SECONDS);
        assertEquals(END, log.durableOffset());

        log.truncateTo(30);

        assertEquals(30, log.durableOffset());
        Checkpoint checkpoint = Checkpoint.read(partitionDir());
        assertEquals(30, checkpoint.recoveryPoint());
        assertFalse(checkpoint.clean());
        try (Stream<Path> files = Files.list(partitionDir())) {
            List<String> segmentFiles = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .sorted().toList();
            long cutSegmentBase = Long.parseLong(segmentFiles.get(segmentFiles.size() - 1).substring(0, 20));
            assertTrue(cutSegmentBase <= 30, "a segment after the cut is left: " + segmentFiles);
        }
        // A waiter for what is left completes with the next flush.
        log.append(batch("new", PER_BATCH, 5000));
        log.awaitFlushed(33).get(10, TimeUnit.SECONDS);
        assertEquals(33, log.durableOffset());
    }

    @Test
    void aLogCutThenReopenedWithoutACheckpointRecoversTheCutLog() throws Exception {
        PartitionLog log = open();
        List<String> written = fill(log);
        log.truncateTo(48);
        closeAll();
        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        Files.delete(partitionDir().resolve(Checkpoint.FILE_NAME));

        PartitionLog reopened = open();

        assertEquals(48, reopened.logEndOffset());
        assertEquals(below(written, 48), readAll(reopened, 0));
        assertEquals(48, reopened.append(batch("new", PER_BATCH, 5000)).firstOffset());
    }

    @Test
    void aLogCutAndNeverClosedIsFoundCutByTheNextOpen() {
        PartitionLog log = open();
        List<String> written = fill(log);
        log.truncateTo(57);
        LogManager crashed = managers.remove(0); // not closed: no clean checkpoint, the active segment untrimmed

        try {
            PartitionLog reopened = open();
            assertEquals(57, reopened.logEndOffset());
            assertEquals(below(written, 57), readAll(reopened, 0));
        } finally {
            closeAll();
            crashed.close();
        }
    }

    @Test
    void aProducerSequenceThatWasCutAwayCanBeAppendedAgainAndOneKeptIsStillADuplicate() {
        PartitionLog log = open();
        for (int seq = 0; seq < 20; seq++) {
            log.append(Batches.idempotent(7, (short) 0, seq, "v" + seq));
        }

        log.truncateTo(12);

        assertThrows(OutOfOrderSequenceException.class, () -> log.append(Batches.idempotent(7, (short) 0, 14, "v14")));
        AppendResult kept = log.append(Batches.idempotent(7, (short) 0, 11, "v11"));
        assertTrue(kept.duplicate());
        assertEquals(11, kept.firstOffset());
        AppendResult again = log.append(Batches.idempotent(7, (short) 0, 12, "again"));
        assertFalse(again.duplicate());
        assertEquals(12, again.firstOffset());

        closeAll();
        PartitionLog reopened = open();
        assertTrue(reopened.append(Batches.idempotent(7, (short) 0, 12, "again")).duplicate());
        assertEquals(13, reopened.append(Batches.idempotent(7, (short) 0, 13, "v13")).firstOffset());
    }

    @Test
    void aReaderHoldingASliceOfACutSegmentStillReadsIt() {
        PartitionLog log = open();
        List<String> written = fill(log);
        try (LogSlice slice = log.read(END - PER_BATCH, 1 << 20)) {
            log.truncateTo(0);
            log.append(batch("new", PER_BATCH, 5000));

            assertEquals(written.subList(written.size() - PER_BATCH, written.size()), decode(slice));
        }
    }

    @Test
    void anOfflineLogRefusesTheCut() {
        PartitionLog log = open();
        fill(log);
        // An interrupt during a force closes the segment's channel: the fsync fails as a failing disk's would.
        Thread.currentThread().interrupt();
        try {
            log.checkpoint();
        } catch (LogIOException expected) {
            // the checkpoint after the failed flush may fail too
        } finally {
            Thread.interrupted();
        }
        assertTrue(log.isOffline());

        assertThrows(LogOfflineException.class, () -> log.truncateTo(30));
        assertEquals(END, log.logEndOffset());
    }
}
