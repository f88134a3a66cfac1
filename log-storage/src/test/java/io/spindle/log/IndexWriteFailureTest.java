package io.spindle.log;

import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index that cannot be written when its segment is sealed (here: a directory stands where the file goes; on a
 * full disk it is ENOSPC) leaves the log online: the index is derived from the segment, so lookups use it from the
 * heap and the next open rebuilds the file. Only the segment's own trim and fsync decide whether the log goes offline.
 */
class IndexWriteFailureTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", String.valueOf(64 << 10)));

    @TempDir
    Path dataDir;

    @Test
    void anIndexThatCannotBeWrittenAtARollKeepsTheLogOnlineAndIsRebuiltAtTheNextOpen() throws Exception {
        Path partition;
        long appended = 0;
        try (LogManager manager = open()) {
            PartitionLog log = manager.getOrCreate("t", 0, CONFIG);
            partition = dataDir.resolve("t-0");
            Path blocked = partition.resolve(String.format("%020d.index", 0));
            Files.createDirectories(blocked.resolve("in-the-way"));
            while (log.segmentCount() < 3) {
                log.append(Batches.batchOfSize(4 << 10, NOW)).durable().get(10, TimeUnit.SECONDS);
                appended++;
            }
            assertTrue(Files.isDirectory(blocked), "the first segment's index was not written");
            assertEquals(appended, log.logEndOffset());
            assertEquals(appended, readAll(log, 0).size());
            assertEquals(appended - 3, readAll(log, 3).size(), "a lookup inside the first segment, from the heap");
            Files.delete(blocked.resolve("in-the-way"));
            Files.delete(blocked);
        }
        try (LogManager manager = open()) {
            PartitionLog log = manager.getOrCreate("t", 0, CONFIG);
            assertEquals(appended, log.logEndOffset());
            assertEquals(appended - 3, readAll(log, 3).size());
            log.append(Batches.batchOfSize(4 << 10, NOW)).durable().get(10, TimeUnit.SECONDS);
            assertEquals(appended + 1, readAll(log, 0).size());
        }
    }

    private LogManager open() {
        return LogManager.open(dataDir, new FlushPolicy(FlushMode.FSYNC, 1000, 10_000), 3_600_000, t -> CONFIG,
                new ManualClock(NOW));
    }
}
