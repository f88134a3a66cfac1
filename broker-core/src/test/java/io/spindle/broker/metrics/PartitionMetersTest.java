package io.spindle.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Meter;
import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.log.FlushPolicy;
import io.spindle.log.LogManager;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partitions' meters are registered off the start's main thread ({@link BrokerMetrics#meterOpenLogs}) while new
 * logs register theirs and deleted ones drop theirs: whatever the interleaving, each partition held ends with exactly
 * one set of meters and a deleted one with none.
 */
class PartitionMetersTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1048576"));
    private static final int PARTITIONS = 400;
    private static final int METERS_PER_PARTITION = 11;

    @TempDir
    Path dataDir;

    private LogManager logs;
    private BrokerMetrics metrics;

    @AfterEach
    void close() {
        if (metrics != null) {
            metrics.close();
        }
        if (logs != null) {
            logs.close();
        }
    }

    private void open() {
        logs = LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 3_600_000, Long.MAX_VALUE), 3_600_000,
                t -> CONFIG, Clock.systemUTC());
        metrics = new BrokerMetrics(100_000);
        metrics.bind(logs);
    }

    private static List<Integer> partitions(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    /** The partition meters in the registry, by "topic-partition", counted. */
    private Map<String, Long> metersByPartition() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (Meter meter : metrics.registry().getMeters()) {
            String topic = meter.getId().getTag("topic");
            String partition = meter.getId().getTag("partition");
            if (meter.getId().getName().startsWith("spindle.partition.") && topic != null && partition != null) {
                counts.merge(topic + "-" + partition, 1L, Long::sum);
            }
        }
        return counts;
    }

    private void assertEveryPartitionHasOneSetOfMeters(String topic, List<Integer> held) {
        Map<String, Long> counts = metersByPartition();
        assertEquals(held.size(), counts.size(), "partitions with meters: " + counts.keySet());
        for (int partition : held) {
            assertEquals(METERS_PER_PARTITION, counts.getOrDefault(topic + "-" + partition, 0L),
                    "meters of " + topic + "-" + partition);
        }
        assertEquals(held.size(), metrics.partitionsWithMeters(), "partitions counted as metered");
    }

    @Test
    void partitionsCreatedWhileTheOpenOnesAreMeteredTwiceAtOnceEachGetOneSetOfMeters() throws Exception {
        open();
        logs.getOrCreateAll("t", partitions(0, PARTITIONS / 2), CONFIG);
        // Two passes over the open logs at once, and the rest created meanwhile, whose listener adds them too: the
        // same partition is added from two or three threads at nearly the same time.
        List<Thread> passes = new ArrayList<>();
        passes.add(metrics.meterOpenLogs(logs));
        passes.add(metrics.meterOpenLogs(logs));
        logs.getOrCreateAll("t", partitions(PARTITIONS / 2, PARTITIONS), CONFIG);
        passes.add(metrics.meterOpenLogs(logs));
        for (Thread pass : passes) {
            pass.join();
        }
        assertEveryPartitionHasOneSetOfMeters("t", partitions(0, PARTITIONS));
    }

    @Test
    void partitionsDeletedWhileTheOpenOnesAreMeteredKeepNoMeters() throws Exception {
        open();
        logs.getOrCreateAll("t", partitions(0, PARTITIONS), CONFIG);
        Thread pass = metrics.meterOpenLogs(logs);
        for (int partition = 0; partition < PARTITIONS; partition += 2) {
            logs.delete("t", partition);
        }
        pass.join();
        assertEveryPartitionHasOneSetOfMeters("t", IntStream.range(0, PARTITIONS).filter(p -> p % 2 == 1).boxed()
                .toList());
    }
}
