package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log that went offline is reopened from the offset it had forced, not from what the page cache still holds: after
 * a failed fsync the kernel may keep the pages it could not write, clean and readable, so a restart without a reboot
 * would otherwise find them whole, with valid CRCs, and call them durable. The fsync fails for real here: an
 * interrupt during a force closes the segment's channel, as a failing disk's error would end the force.
 */
class OfflineRestartTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1000"));

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void closeManagers() {
        managers.forEach(LogManager::close);
    }

    /** flush.mode none: nothing is forced until the test asks, so the page cache holds what it appended after. */
    private PartitionLog open() {
        LogManager manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000,
                t -> CONFIG, clock);
        managers.add(manager);
        return manager.getOrCreate("t", 0, CONFIG);
    }

    private void closeAll() {
        managers.forEach(LogManager::close);
        managers.clear();
    }

    private static void append(PartitionLog log, int from, int to) {
        for (int i = from; i < to; i++) {
            log.append(batch("b" + i, 3, 1000 + i));
        }
    }

    @Test
    void aLogThatWentOfflineReopensAtTheOffsetItHadForced() throws Exception {
        PartitionLog log = open();
        append(log, 0, 10);
        log.checkpoint();
        assertEquals(30, log.durableOffset());
        List<String> forced = readAll(log, 0);
        append(log, 10, 20);
        assertEquals(60, log.logEndOffset());

        Thread.currentThread().interrupt();
        try {
            log.checkpoint();
        } catch (LogIOException expected) {
            // the failed flush
        } finally {
            Thread.interrupted();
        }
        assertTrue(log.isOffline());
        Path marker = dataDir.resolve("t-0").resolve(OfflineMarker.FILE_NAME);
        assertEquals("30", Files.readString(marker).trim(), "the marker records the forced offset");
        closeAll();

        PartitionLog reopened = open();
        assertFalse(reopened.isOffline());
        assertEquals(30, reopened.logEndOffset(), "cut back to the forced offset, not the 60 the page cache held");
        assertEquals(forced, readAll(reopened, 0));
        assertFalse(Files.exists(marker), "the marker is gone once the cut is done");
        assertEquals(30, reopened.append(batch("after", 3, 2000)).firstOffset());
        closeAll();

        assertEquals(33, open().logEndOffset(), "a later restart keeps what came after the cut");
    }

    @Test
    void aLogThatWasOnlyKilledKeepsWhatThePageCacheHeld() {
        PartitionLog log = open();
        append(log, 0, 10);
        log.checkpoint();
        append(log, 10, 20);
        managers.remove(0); // never closed: no clean checkpoint, no marker, as after kill -9

        PartitionLog reopened = open();
        assertEquals(60, reopened.logEndOffset(), "recovery keeps every valid batch a killed broker left");
        assertEquals(60, reopened.durableOffset(), "and forces it before calling it durable");
    }
}
