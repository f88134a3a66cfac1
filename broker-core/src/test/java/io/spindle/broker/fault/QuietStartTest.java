package io.spindle.broker.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spindle.config.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A normal start logs no warning: a warning on every start teaches operators to ignore warnings. The broker runs
 * in a child JVM ({@link BrokerProcess}) so that what a library warns about once per process (on first use of
 * chronicle, Netty's native transport, Micrometer's binders) shows up as it does for an operator, whatever tests
 * ran in this JVM before. Its log is what slf4j-simple, the logging backend, writes to the child's stderr.
 */
class QuietStartTest {
    /** slf4j-simple's level field ("12:00:00.000 [main] WARN io.x.Y - ..."), or a warning the JVM prints itself. */
    private static final Pattern WARNING_OR_ERROR = Pattern.compile("\\] (WARN|ERROR) |^(WARN|ERROR|WARNING:) ");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path work;

    @Test
    void aNormalStartWithMetricsLogsNoWarningOrError() throws Exception {
        Path dataDir = Files.createDirectory(work.resolve("data"));
        try (BrokerProcess broker = new BrokerProcess(dataDir, Files.createDirectory(work.resolve("broker")),
                Map.of(BrokerConfig.METRICS_PORT, "0"))) {
            broker.start();

            // The log is the broker's (it names its start), so an empty result below means no warning, not no log.
            assertEquals(1, broker.logLinesContaining("serving on").size(), broker.tail());
            List<String> warnings = Files.readAllLines(broker.logFile()).stream()
                    .filter(line -> WARNING_OR_ERROR.matcher(line).find())
                    .toList();
            assertEquals(List.of(), warnings, broker.tail());
        }
    }

    @Test
    void theWarningPatternMatchesTheBackendsWarnAndErrorLinesOnly() {
        assertFalse(WARNING_OR_ERROR.matcher("17:40:01.123 [main] INFO io.spindle.broker.SpindleBroker - "
                + "KAFKA_STORAGE_ERROR WARN").find());
        assertEquals(true, WARNING_OR_ERROR.matcher("17:40:01.123 [main] WARN io.micrometer.core.instrument."
                + "MeterRegistry - A MeterFilter is being configured after a Meter has been registered").find());
        assertEquals(true, WARNING_OR_ERROR.matcher("17:40:01.123 [spindle-flusher] ERROR io.spindle.log.Flusher - x")
                .find());
    }
}
