package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keyed state log over a real compacted partition log: what it refuses to write, and what a replay hands on. */
class KeyedStateLogTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY, "compact",
            TopicConfig.SEGMENT_BYTES, "1024"));

    @TempDir
    Path dataDir;

    private LogManager open() {
        return LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 60_000, topic -> CONFIG,
                Clock.systemUTC());
    }

    @Test
    void aRecordWithoutAKeyIsRefusedNamingTheLogAndNothingIsAppended() {
        try (LogManager logs = open()) {
            PartitionLog log = logs.getOrCreate("__state", 0, CONFIG);
            KeyedStateLog state = new KeyedStateLog(log, Clock.systemUTC());
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> state.append(List.of(
                    new KeyedStateLog.Entry(bytes("k"), null), new KeyedStateLog.Entry(null, new byte[1]))));
            assertTrue(refused.getMessage().contains("__state-0"), refused.getMessage());
            assertEquals(0, log.logEndOffset(), "neither record of the refused append was written");
        }
    }

    @Test
    void aReplayAfterARestartHandsOnEveryRecordInOrderAcrossSegmentsWithTombstonesAsNull() {
        List<String> written = new ArrayList<>();
        try (LogManager logs = open()) {
            KeyedStateLog state = new KeyedStateLog(logs.getOrCreate("__state", 0, CONFIG), Clock.systemUTC());
            for (int i = 0; i < 200; i++) {
                String key = "k" + i % 7;
                String value = i % 11 == 0 ? null : "v" + i;
                state.append(List.of(new KeyedStateLog.Entry(bytes(key), value == null ? null : bytes(value)))).join();
                written.add(key + "=" + value);
            }
            assertTrue(logs.get("__state", 0).orElseThrow().segmentCount() > 3, "the records span segments");
        }

        List<String> replayed = new ArrayList<>();
        try (LogManager logs = open()) {
            new KeyedStateLog(logs.get("__state", 0).orElseThrow(), Clock.systemUTC()).replay((key, value) -> {
                replayed.add(string(key) + "=" + (value == null ? null : string(value)));
            });
        }

        assertEquals(written, replayed);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer).toString();
    }
}
