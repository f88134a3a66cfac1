package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.readAll;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory's {@link RecoveryPoints}: written right after a start, it makes a crash soon after that start
 * validate (CRC32C) only the batches appended since, not every active segment from its base; every lowering of a
 * log's recovery point (a truncation, a deleted and recreated log, a damaged segment) reaches it before the log takes
 * another append, so the larger of a log's own checkpoint and its entry never vouches for unforced bytes.
 *
 * <p>A crash here is a manager that is never closed: no clean-shutdown record, files as the page cache holds them.
 */
class RecoveryPointsTest {
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

    private LogManager open(TopicConfig config) {
        LogManager manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.FSYNC, 1000, 10_000), 3_600_000,
                t -> config, clock);
        managers.add(manager);
        return manager;
    }

    /** As a kill -9: the manager is never closed. */
    private void crash(LogManager manager) {
        managers.remove(manager);
    }

    /** {@link #PARTITIONS} logs of {@link #BATCHES} one-record batches each, then a clean stop. */
    private void writeAndStop(TopicConfig config) {
        LogManager manager = open(config);
        for (int p = 0; p < PARTITIONS; p++) {
            PartitionLog log = manager.getOrCreate("t", p, config);
            for (int i = 0; i < BATCHES; i++) {
                log.append(batch("p" + p + "-" + i, 1, 1000 + i));
            }
        }
        manager.close();
        managers.remove(manager);
    }

    @Test
    void aCrashAfterACleanStartValidatesOnlyTheBatchesAppendedSinceIt() {
        writeAndStop(CONFIG);
        LogManager restarted = open(CONFIG);
        assertEquals(0, restarted.batchesValidatedAtOpen(), "a clean start validated batches");
        PartitionLog log = restarted.get("t", 0).orElseThrow();
        for (int i = 0; i < 4; i++) {
            log.append(batch("after-" + i, 1, 5000 + i));
        }
        List<String> written = readAll(log, 0);
        crash(restarted);

        LogManager recovered = open(CONFIG);
        assertEquals(4, recovered.batchesValidatedAtOpen(), "validated at the start after the crash");
        assertEquals(written, readAll(recovered.get("t", 0).orElseThrow(), 0));
        assertEquals(BATCHES, recovered.get("t", 2).orElseThrow().logEndOffset());
    }

    @Test
    void withoutTheRecordACrashValidatesEveryActiveSegmentFromItsOwnCheckpoint() throws Exception {
        writeAndStop(CONFIG);
        LogManager restarted = open(CONFIG);
        restarted.get("t", 0).orElseThrow().append(batch("after", 1, 5000));
        crash(restarted);
        Files.delete(dataDir.resolve(RecoveryPoints.FILE_NAME));

        LogManager recovered = open(CONFIG);
        // t-0 rewrote its own checkpoint before its first append since the clean start (1 batch past it); the logs
        // that took no append still have the checkpoint of their creation (recovery point 0).
        assertEquals((PARTITIONS - 1) * BATCHES + 1, recovered.batchesValidatedAtOpen());
        assertEquals(BATCHES + 1, recovered.get("t", 0).orElseThrow().logEndOffset());
    }

    @Test
    void aTruncationLowersTheRecordBeforeTheLogTakesAnotherAppend() {
        writeAndStop(CONFIG);
        LogManager restarted = open(CONFIG);
        PartitionLog log = restarted.get("t", 0).orElseThrow();
        assertEquals(5, log.truncateTo(5));
        // Past the recorded 20 again: a stale entry would let the start take offsets 5..19 at their headers' word.
        for (int i = 0; i < 18; i++) {
            log.append(batch("new-" + i, 1, 6000 + i));
        }
        List<String> written = readAll(log, 0);
        crash(restarted);

        LogManager recovered = open(CONFIG);
        assertEquals(18, recovered.batchesValidatedAtOpen(), "validated from the truncation's end on");
        assertEquals(written, readAll(recovered.get("t", 0).orElseThrow(), 0));
    }

    @Test
    void aLogRecreatedUnderADeletedOnesNameIsNotTakenAtTheOldEntrysWord() {
        writeAndStop(CONFIG);
        LogManager restarted = open(CONFIG);
        restarted.delete("t", 0);
        PartitionLog log = restarted.getOrCreate("t", 0, CONFIG);
        for (int i = 0; i < BATCHES + 2; i++) {
            log.append(batch("again-" + i, 1, 7000 + i));
        }
        List<String> written = readAll(log, 0);
        crash(restarted);

        LogManager recovered = open(CONFIG);
        assertEquals(BATCHES + 2, recovered.batchesValidatedAtOpen(), "validated the new log from its base");
        assertEquals(written, readAll(recovered.get("t", 0).orElseThrow(), 0));
    }

    @Test
    void aDamagedSegmentFoundAfterTheStartLowersTheRecordToItsBase() throws Exception {
        TopicConfig small = CONFIG.with(Map.of("segment.bytes", "1024"));
        writeAndStop(small);
        Path dir = dataDir.resolve("t-0");
        Path first = dir.resolve(Segment.fileName(0, ".log"));
        assertTrue(Files.exists(SegmentSeal.file(dir, 0)), "the first segment is sealed");
        try (RandomAccessFile f = new RandomAccessFile(first.toFile(), "rw")) {
            f.seek(f.length() - 3);    // a value byte of its last batch: inside the CRC, outside every header
            int old = f.read();
            f.seek(f.length() - 3);
            f.write(old ^ 0x55);
        }
        LogManager restarted = open(small);
        PartitionLog log = restarted.get("t", 0).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(log::isOffline);
        assertEquals(0L, RecoveryPoints.read(dataDir.resolve(RecoveryPoints.FILE_NAME)).get("t-0"));
        assertEquals(Long.valueOf(BATCHES), RecoveryPoints.read(dataDir.resolve(RecoveryPoints.FILE_NAME)).get("t-1"));
    }

    @Test
    void aDamagedRecordIsReadAsEmpty() throws Exception {
        writeAndStop(CONFIG);
        open(CONFIG);
        Path record = dataDir.resolve(RecoveryPoints.FILE_NAME);
        assertEquals(Map.of("t-0", 20L, "t-1", 20L, "t-2", 20L), RecoveryPoints.read(record));
        byte[] bytes = Files.readAllBytes(record);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(record, bytes);
        assertEquals(Map.of(), RecoveryPoints.read(record));
    }
}
