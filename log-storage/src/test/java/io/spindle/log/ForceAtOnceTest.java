package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.CrashFs;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clean stop with many logs holding unforced appends forces them with one sync of the file system
 * ({@link FileSystemSync}) where that sync can be trusted, and vouches for each log in the clean-shutdown record only
 * as far as it covered; elsewhere (FUSE, below {@link LogManager#FORCE_AT_ONCE_FROM} logs) each log forces itself.
 * Flush mode none throughout, so that nothing but the stop forces the appends.
 */
class ForceAtOnceTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1048576"));
    private static final int MANY = LogManager.FORCE_AT_ONCE_FROM + 6;
    private static final int BATCHES = 3;

    @TempDir
    Path dataDir;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private LogManager open(Path dir) {
        return LogManager.open(dir, new FlushPolicy(FlushMode.NONE, 3_600_000, Long.MAX_VALUE), 3_600_000, t -> CONFIG,
                clock);
    }

    /** Creates {@code partitions} logs of {@link #BATCHES} batches of 3 records each, none forced; returns them. */
    private static List<PartitionLog> fill(LogManager manager, int partitions) {
        List<PartitionLog> logs = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            PartitionLog log = manager.getOrCreate("t", p, CONFIG);
            for (int i = 0; i < BATCHES; i++) {
                log.append(batch("p" + p + "-r" + i, 3, 1000 + i));
            }
            logs.add(log);
        }
        return logs;
    }

    @Test
    void aCleanStopOfManyUnforcedLogsForcesThemWithOneSyncfsAndTheNextStartTakesTheRecordsWord() {
        FileSystemSync sync = FileSystemSync.open(dataDir);
        sync.close();
        assumeTrue(sync.available(), "syncfs not trusted here: " + sync.unavailableReason());
        LogManager manager = open(dataDir);
        List<PartitionLog> logs = fill(manager, MANY);
        List<String> first = readAll(logs.get(0), 0);
        manager.close();

        for (PartitionLog log : logs) {
            assertEquals(0, log.fsyncCount(), log + " was forced on its own");
        }
        Map<String, CleanShutdown.Entry> entries = read(dataDir);
        assertEquals(MANY, entries.size(), "logs vouched for");
        entries.values().forEach(e -> assertEquals(BATCHES * 3, e.recoveryPoint(), "recovery point of " + e));
        LogManager restarted = open(dataDir);
        try {
            assertTrue(restarted.lastStopWasClean());
            assertEquals(0, restarted.batchesValidatedAtOpen(), "batches validated one by one");
            assertEquals(first, readAll(restarted.get("t", 0).orElseThrow(), 0));
        } finally {
            restarted.close();
        }
    }

    @Test
    void belowTheThresholdEachLogForcesItself() {
        LogManager manager = open(dataDir);
        List<PartitionLog> logs = fill(manager, 3);
        manager.close();
        for (PartitionLog log : logs) {
            assertEquals(1, log.fsyncCount(), "fdatasyncs of " + log);
        }
        assertEquals(3, read(dataDir).size(), "logs vouched for");
    }

    /**
     * crashfs is FUSE, whose syncfs forwards no fsync to its daemon: taken at its word, the power cut would drop every
     * record. The stop must not trust it there, and force each log before the record vouches for it.
     */
    @Test
    void onFuseWhoseSyncfsForcesNothingEveryLogIsForcedBeforeTheRecordVouchesForItAndSurvivesAPowerCut()
            throws Exception {
        try (CrashFs disk = CrashFs.requireAvailable(work).mount()) {
            // The data directory's own entry forced first, as a broker's first start does (its metadata directory).
            Path dir = Files.createDirectory(disk.root().resolve("data"));
            Checkpoint.forceDirectory(disk.root());
            LogManager manager = open(dir);
            FileSystemSync sync = FileSystemSync.open(dir);
            sync.close();
            assertFalse(sync.available(), "syncfs trusted on crashfs");
            assertNotNull(sync.unavailableReason());
            List<String> first = readAll(fill(manager, MANY).get(0), 0);
            manager.close();
            disk.powerCut();
            disk.mount();

            LogManager restarted = open(dir);
            try {
                for (int p = 0; p < MANY; p++) {
                    assertEquals(BATCHES * 3, restarted.get("t", p).orElseThrow().logEndOffset(), "log end of t-" + p);
                }
                assertTrue(restarted.lastStopWasClean(), "the clean-shutdown record did not survive");
                assertEquals(first, readAll(restarted.get("t", 0).orElseThrow(), 0));
            } finally {
                restarted.close();
            }
        }
    }

    @Test
    void syncfsReportsWriteBackErrorsFromLinux58On() {
        assertFalse(FileSystemSync.reportsWriteBackErrors("4.19.0-21-amd64"));
        assertFalse(FileSystemSync.reportsWriteBackErrors("5.7.19"));
        assertTrue(FileSystemSync.reportsWriteBackErrors("5.8.0"));
        assertTrue(FileSystemSync.reportsWriteBackErrors("5.15.0-91-generic"));
        assertTrue(FileSystemSync.reportsWriteBackErrors("6.18.44-fc-v1272"));
        assertFalse(FileSystemSync.reportsWriteBackErrors("unknown"));
    }

    private static Map<String, CleanShutdown.Entry> read(Path dir) {
        try {
            return CleanShutdown.read(dir);
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot read the clean-shutdown record in " + dir, e);
        }
    }
}
