package io.spindle.groups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import io.spindle.log.PartitionLog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state log over a real compacted partition log: what it refuses to write. */
class OffsetsLogTest {
    @TempDir
    Path dataDir;

    @Test
    void aRecordWithoutAKeyIsRefusedNamingTheLogAndNothingIsAppended() {
        TopicConfig config = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
        try (LogManager logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 60_000,
                topic -> config, Clock.systemUTC())) {
            PartitionLog log = logs.getOrCreate(GroupCoordinator.OFFSETS_TOPIC, 0, config);
            OffsetsLog offsets = new OffsetsLog(log, Clock.systemUTC());
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> offsets.append(List.of(
                    new OffsetsLog.Entry(OffsetsRecords.groupKey("g"), null), new OffsetsLog.Entry(null, new byte[1]))));
            assertTrue(refused.getMessage().contains(GroupCoordinator.OFFSETS_TOPIC + "-0"), refused.getMessage());
            assertEquals(0, log.logEndOffset(), "neither record of the refused append was written");
        }
    }
}
