package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PartitionLog#deleteRecordsBefore} (Kafka's DeleteRecords) on a log of 30 batches of 3 records over several
 * segments: the log start offset moves to the offset asked for, even inside a segment, readers cannot go below it,
 * whole segments below it go, and a reopen — also of a log never closed — starts there.
 */
class DeleteRecordsTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1000"));
    private static final long END = 90;

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @AfterEach
    void closeManagers() {
        managers.forEach(LogManager::close);
    }

    private PartitionLog open(TopicConfig config) {
        LogManager manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.FSYNC, 1000, 10_000), 3_600_000,
                t -> config, clock);
        managers.add(manager);
        return manager.getOrCreate("t", 0, config);
    }

    private static List<String> fill(PartitionLog log) {
        for (int i = 0; i < END / 3; i++) {
            log.append(batch("b" + i, 3, 1000 + i));
        }
        assertTrue(log.segmentCount() > 3, "the log rolled only to " + log.segmentCount() + " segment(s)");
        return readAll(log, 0);
    }

    private static List<String> from(List<String> records, long offset) {
        return records.stream().filter(r -> Long.parseLong(r.substring(0, r.indexOf('='))) >= offset).toList();
    }

    @Test
    void theStartMovesInsideASegmentAndReadsBelowItAreOutOfRange() {
        PartitionLog log = open(CONFIG);
        List<String> written = fill(log);
        int segments = log.segmentCount();

        assertEquals(41, log.deleteRecordsBefore(41));

        assertEquals(41, log.logStartOffset());
        assertTrue(log.segmentCount() < segments, "no segment wholly below offset 41 was deleted");
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(40, 1 << 20));
        assertEquals(from(written, 41), readAll(log, 41));
    }

    @Test
    void theStartNeverMovesBackAndAnOffsetPastTheEndIsRefused() {
        PartitionLog log = open(CONFIG);
        fill(log);
        log.deleteRecordsBefore(50);

        assertEquals(50, log.deleteRecordsBefore(20));
        OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(END + 1));
        assertTrue(e.getMessage().contains("offset " + (END + 1)), e.getMessage());
        assertEquals(50, log.logStartOffset());
    }

    @Test
    void deletingUpToTheEndEmptiesTheLogAndAppendsContinueThere() {
        PartitionLog log = open(CONFIG);
        fill(log);

        assertEquals(END, log.deleteRecordsBefore(END));

        assertEquals(List.of(), readAll(log, END));
        assertEquals(END, log.append(batch("after", 1, 5000)).firstOffset());
        assertEquals(List.of(END + "=after-0"), readAll(log, END));
    }

    @Test
    void aLogNeverClosedReopensAtTheNewStart() {
        PartitionLog log = open(CONFIG);
        List<String> written = fill(log);
        log.deleteRecordsBefore(41);
        LogManager crashed = managers.remove(0); // not closed: only the checkpoint forced by the deletion is there

        try {
            PartitionLog reopened = open(CONFIG);
            assertEquals(41, reopened.logStartOffset());
            assertEquals(from(written, 41), readAll(reopened, 41));
        } finally {
            crashed.close();
        }
    }

    @Test
    void aCompactedTopicRefusesNamingItsPolicy() {
        PartitionLog log = open(CONFIG.with(Map.of("cleanup.policy", "compact")));

        RecordDeletionRefusedException e = assertThrows(RecordDeletionRefusedException.class,
                () -> log.deleteRecordsBefore(0));

        assertTrue(e.getMessage().contains("cleanup.policy"), e.getMessage());
        assertEquals(0, log.logStartOffset());
    }
}
