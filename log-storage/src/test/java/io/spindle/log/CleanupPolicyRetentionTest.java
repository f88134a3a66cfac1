package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Time and size retention run only where cleanup.policy has delete: a compact-only topic keeps its segments. */
class CleanupPolicyRetentionTest {
    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private LogManager manager;

    @AfterEach
    void close() {
        manager.close();
    }

    private PartitionLog open(TopicConfig config) {
        manager = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000,
                topic -> config, clock);
        return manager.getOrCreate("t", 0, config);
    }

    @ParameterizedTest
    @CsvSource({"compact, false", "delete, true", "'compact,delete', true"})
    void oldSegmentsOfALogPastBothLimitsGoOnlyWhenThePolicyDeletes(String policy, boolean deletes) {
        PartitionLog log = open(TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY, policy,
                TopicConfig.SEGMENT_BYTES, "1024", TopicConfig.RETENTION_MS, "60000",
                TopicConfig.RETENTION_BYTES, "1024")));
        for (int i = 0; i < 30; i++) {
            log.append(batch("old" + i, 2, clock.millis()));
        }
        clock.advance(120_000);
        log.append(batch("new", 2, clock.millis()));
        int segments = log.segmentCount();
        assertTrue(segments >= 3, "segments " + segments);

        int deleted = log.enforceRetention();

        assertEquals(deletes, deleted > 0, "deleted " + deleted);
        assertEquals(deletes, log.logStartOffset() > 0);
        assertEquals(deletes ? segments - deleted : segments, log.segmentCount());
    }
}
