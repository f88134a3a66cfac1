package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import io.spindle.perf.CompactRun.Figure;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code spindle perf compact} measures on one broker, run small against a Spindle broker in this JVM. */
class CompactRunTest {
    @Test
    void aSmallRunSeesTheLogCompactedAndTheProduceRateBesideTheClean() throws Exception {
        try (LocalBroker broker = LocalBroker.startInTempDir(Map.of("log.cleaner.backoff.ms", "20"))) {
            CompactRun.Plan plan = new CompactRun.Plan(3 << 20, 1024, 10, 256 << 10, Duration.ofMillis(300),
                    Duration.ofSeconds(60));

            Map<Figure, Double> figures = CompactRun.run(plan, broker.bootstrapServers(), ProcessHandle.current().pid(),
                    topic -> CompactionProbe.spindle(broker.dataDir(), topic, 0));

            assertEquals(Figure.values().length, figures.size(), figures.toString());
            // 3072 records under 307 keys: about a tenth of the sealed bytes stay.
            assertTrue(figures.get(Figure.LOG_AFTER) < figures.get(Figure.LOG_BEFORE) / 4, figures.toString());
            assertTrue(figures.get(Figure.CLEAN_SECONDS) > 0 && figures.get(Figure.CLEAN_UNDER_LOAD_SECONDS) > 0,
                    figures.toString());
            assertTrue(figures.get(Figure.PRODUCE_IDLE) > 0 && figures.get(Figure.PRODUCE_DURING) >= 0, figures.toString());
            assertTrue(CompactionProbe.spindle(broker.dataDir(), CompactRun.LOADED_TOPIC, 0).compacted());
        }
    }
}
