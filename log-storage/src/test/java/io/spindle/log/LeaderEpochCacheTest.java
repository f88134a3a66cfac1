package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import io.spindle.log.LeaderEpochCache.EpochEndOffset;
import io.spindle.log.LeaderEpochCache.Entry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LeaderEpochCache} on real files: a log of five batches of 3 records appended at leader epochs 0, 0, 2, 2 and
 * 5 (offsets 0-2, 3-5, 6-8, 9-11, 12-14; segment.bytes 150 holds one batch), cut from the end, trimmed from
 * the start, and reopened after a clean close, a crash, a lost file and a crash between the write and the rename.
 */
class LeaderEpochCacheTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "150"));
    private static final List<Entry> WRITTEN = List.of(new Entry(0, 0), new Entry(2, 6), new Entry(5, 12));

    @TempDir
    Path dataDir;

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

    /** Leaves the open managers as a killed broker would: no clean checkpoint, nothing closed until the test ends. */
    private List<LogManager> crash() {
        List<LogManager> crashed = List.copyOf(managers);
        managers.clear();
        return crashed;
    }

    private void closeAll() {
        managers.forEach(LogManager::close);
        managers.clear();
    }

    private Path epochsFile() {
        return dataDir.resolve("t-0").resolve(LeaderEpochCache.FILE_NAME);
    }

    /** Appends the five batches at epochs 0, 0, 2, 2, 5. */
    private static void fill(PartitionLog log) {
        int[] epochs = {0, 0, 2, 2, 5};
        for (int i = 0; i < epochs.length; i++) {
            if (i == 0 || epochs[i] != epochs[i - 1]) {
                log.beginLeaderEpoch(epochs[i]);
            }
            log.append(batch("b" + i, 3, 1000 + i));
        }
    }

    /** The partitionLeaderEpoch of every batch in the log, as stored. */
    private static List<Integer> storedEpochs(PartitionLog log) {
        List<Integer> epochs = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            try (LogSlice slice = log.read(next, 1 << 20)) {
                ByteBuffer bytes = ByteBuffer.allocate(slice.sizeInBytes());
                slice.copyTo(bytes);
                bytes.flip();
                BatchWalk walk = BatchWalk.over(BatchHeader.at(bytes, 0), bytes.limit()).checkingCrc();
                while (walk.next()) {
                    epochs.add(walk.header().partitionLeaderEpoch());
                }
                assertEquals(null, walk.problem(), "a stamped batch must keep a valid CRC");
                next = slice.nextOffset();
            }
        }
        return epochs;
    }

    @Test
    void batchesCarryTheirLeaderEpochAndEachNewEpochIsOneEntryAtItsFirstOffset() {
        PartitionLog log = open();
        fill(log);

        assertEquals(List.of(0, 0, 2, 2, 5), storedEpochs(log));
        assertEquals(WRITTEN, log.leaderEpochs().entries());
        assertTrue(log.segmentCount() > 3, "the log rolled only to " + log.segmentCount() + " segment(s)");
    }

    @Test
    void aLogNoLeaderEpochWasBegunInStampsMinusOneAndKeepsNoEntry() {
        PartitionLog log = open();
        log.append(batch("a", 3, 1000));

        assertEquals(List.of(-1), storedEpochs(log));
        assertEquals(List.of(), log.leaderEpochs().entries());
    }

    @Test
    void endOffsetForAnEpochIsTheNextEpochsStartOrTheLogEndForTheLatest() {
        PartitionLog log = open();
        fill(log);
        LeaderEpochCache epochs = log.leaderEpochs();

        assertEquals(new EpochEndOffset(0, 6), epochs.endOffsetFor(0, 15));
        assertEquals(new EpochEndOffset(0, 6), epochs.endOffsetFor(1, 15));
        assertEquals(new EpochEndOffset(2, 12), epochs.endOffsetFor(3, 15));
        assertEquals(new EpochEndOffset(5, 15), epochs.endOffsetFor(5, 15));
        assertEquals(EpochEndOffset.UNDEFINED, epochs.endOffsetFor(6, 15));
        assertEquals(EpochEndOffset.UNDEFINED, epochs.endOffsetFor(LeaderEpochCache.UNDEFINED_EPOCH, 15));
        assertEquals(2, epochs.epochForOffset(11).getAsInt());
        assertEquals(5, epochs.epochForOffset(15).getAsInt());
    }

    @Test
    void aNewLeaderEpochBeginsAtTheLogEndBeforeItsFirstAppendAndAnOlderOneIsRefused() {
        PartitionLog log = open();
        fill(log);
        log.beginLeaderEpoch(7);

        assertEquals(new EpochEndOffset(5, 15), log.leaderEpochs().endOffsetFor(5, 15));
        assertEquals(new Entry(7, 15), log.leaderEpochs().entries().get(3));
        assertThrows(IllegalArgumentException.class, () -> log.beginLeaderEpoch(6));
    }

    @Test
    void truncationDropsTheEpochsStartingAtOrAfterTheNewEnd() {
        PartitionLog log = open();
        fill(log);

        assertEquals(6, log.truncateTo(6));
        assertEquals(List.of(new Entry(0, 0)), log.leaderEpochs().entries());
        closeAll();

        assertEquals(List.of(new Entry(0, 0)), open().leaderEpochs().entries());
    }

    @Test
    void truncationInsideAnEpochKeepsItAndAppendsAfterwardsAtAnotherEpochFollowIt() {
        PartitionLog log = open();
        fill(log);

        log.truncateTo(10);     // inside the batch 9-11: the log ends at 9
        log.beginLeaderEpoch(6);
        log.append(batch("after", 3, 2000));

        assertEquals(List.of(new Entry(0, 0), new Entry(2, 6), new Entry(6, 9)), log.leaderEpochs().entries());
        assertEquals(List.of(0, 0, 2, 6), storedEpochs(log));
    }

    @Test
    void deletingRecordsFromTheStartMovesTheCoveringEntryUpToTheNewStart() {
        PartitionLog log = open();
        fill(log);

        log.deleteRecordsBefore(8);

        assertEquals(List.of(new Entry(2, 8), new Entry(5, 12)), log.leaderEpochs().entries());
        assertEquals(new EpochEndOffset(1, 8), log.leaderEpochs().endOffsetFor(1, 15),
                "an epoch older than every one left ends where the earliest left starts");
        closeAll();

        PartitionLog reopened = open();
        assertEquals(8, reopened.logStartOffset());
        assertEquals(List.of(new Entry(2, 8), new Entry(5, 12)), reopened.leaderEpochs().entries());
    }

    @Test
    void theEntriesSurviveACleanCloseWithoutBeingWrittenAgain() throws Exception {
        fill(open());
        closeAll();
        long written = Files.getLastModifiedTime(epochsFile()).toMillis();
        Files.setLastModifiedTime(epochsFile(), FileTime.fromMillis(written - 60_000));

        PartitionLog reopened = open();
        reopened.beginLeaderEpoch(5);

        assertEquals(WRITTEN, reopened.leaderEpochs().entries());
        assertEquals(written - 60_000, Files.getLastModifiedTime(epochsFile()).toMillis(),
                "a clean start and the same epoch again write nothing");
    }

    @Test
    void aMissingFileIsRebuiltFromTheBatchHeadersAfterARestart() throws Exception {
        fill(open());
        closeAll();
        Files.delete(epochsFile());

        PartitionLog reopened = open();

        assertEquals(WRITTEN, reopened.leaderEpochs().entries());
        assertTrue(Files.exists(epochsFile()), "the rebuilt epochs are written again");
    }

    @Test
    void aDamagedFileIsRebuiltFromTheBatchHeaders() throws Exception {
        fill(open());
        closeAll();
        byte[] bytes = Files.readAllBytes(epochsFile());
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(epochsFile(), bytes);

        assertEquals(WRITTEN, open().leaderEpochs().entries());
    }

    @Test
    void aCrashAfterAFileThatFellBehindTheLogRecoversTheLaterEpochsFromTheBatches() throws Exception {
        PartitionLog log = open();
        log.beginLeaderEpoch(0);
        log.append(batch("b0", 3, 1000));
        log.append(batch("b1", 3, 1001));
        Path older = dataDir.resolve("epochs-after-epoch-0");
        Files.copy(epochsFile(), older);
        log.beginLeaderEpoch(2);
        log.append(batch("b2", 3, 1002));
        log.append(batch("b3", 3, 1003));
        log.beginLeaderEpoch(5);
        log.append(batch("b4", 3, 1004));
        List<LogManager> crashed = crash();
        try {
            Files.copy(older, epochsFile(), StandardCopyOption.REPLACE_EXISTING);

            assertEquals(WRITTEN, open().leaderEpochs().entries());
        } finally {
            crashed.forEach(LogManager::close);
        }
    }

    @ParameterizedTest(name = "file lost: {0}")
    @ValueSource(booleans = {false, true})
    void aNewLogsFirstEpochsFileThatAPowerCutEmptiedOrLostIsRebuiltFromTheBatchHeaders(boolean lost) throws Exception {
        // A new log's first leader epoch is written without a force: a power cut may leave the file empty or gone.
        PartitionLog log = open();
        log.beginLeaderEpoch(0);
        log.append(batch("b0", 3, 1000));
        log.append(batch("b1", 3, 1001));
        List<LogManager> crashed = crash();
        try {
            if (lost) {
                Files.delete(epochsFile());
            } else {
                Files.write(epochsFile(), new byte[0]);
            }

            PartitionLog reopened = open();

            assertEquals(List.of(new Entry(0, 0)), reopened.leaderEpochs().entries());
            assertEquals(new EpochEndOffset(0, 6), reopened.leaderEpochs().endOffsetFor(0, 6));
        } finally {
            crashed.forEach(LogManager::close);
        }
    }

    @Test
    void aCrashBetweenTheWriteAndTheRenameLeavesTheOldFileInForce() throws Exception {
        PartitionLog log = open();
        fill(log);
        // What a crash after the temporary file's write and before its rename leaves: the whole new file (a later
        // epoch that never wrote a batch) beside the old one.
        Path old = dataDir.resolve("old-epochs");
        Files.copy(epochsFile(), old);
        log.beginLeaderEpoch(9);
        Path tmp = epochsFile().resolveSibling(LeaderEpochCache.FILE_NAME + ".tmp");
        Files.move(epochsFile(), tmp);
        Files.move(old, epochsFile());
        List<LogManager> crashed = crash();
        try {
            PartitionLog reopened = open();

            assertEquals(WRITTEN, reopened.leaderEpochs().entries());
            assertFalse(Files.exists(tmp), "the leftover temporary file is deleted at open");
        } finally {
            crashed.forEach(LogManager::close);
        }
    }
}
