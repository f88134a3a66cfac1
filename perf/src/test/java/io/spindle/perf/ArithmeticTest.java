package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The small pieces of arithmetic and parsing the perf tools report with. */
class ArithmeticTest {
    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        assertEquals(3.0, Stats.median(List.of(9.0, 1.0, 3.0)));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void medianOfNothingIsNaN() {
        assertTrue(Double.isNaN(Stats.median(List.of())));
    }

    @Test
    void ratioIsSpindleOverKafkaAndUndefinedWithoutAKafkaFigure() {
        assertEquals(1.5, Stats.ratio(150, 100));
        assertTrue(Double.isNaN(Stats.ratio(150, 0)));
    }

    @Test
    void throughputTargetIsMetAtOrAboveItsRatio() {
        assertTrue(Compare.Metric.PRODUCE_1K_1P.met(1.5));
        assertFalse(Compare.Metric.PRODUCE_1K_1P.met(1.49));
    }

    @Test
    void latencyAndMemoryTargetsAreMetAtOrBelowTheirRatio() {
        assertTrue(Compare.Metric.E2E_P99.met(0.5));
        assertFalse(Compare.Metric.E2E_P99.met(0.51));
        assertTrue(Compare.Metric.START_TO_READY.met(0.09));
        assertFalse(Compare.Metric.IDLE_RSS.met(0.6));
    }

    @Test
    void compareWorkloadsAreNamedAsTheOptionSpellsThemAndAnUnknownOneIsRefusedWithTheKnownNames() {
        assertEquals(Compare.Part.PRODUCE_1K_6P, Compare.Part.named("produce-1k-6p"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Compare.Part.named("produce"));
        assertTrue(e.getMessage().contains("'produce'") && e.getMessage().contains("produce-1k-6p"), e.getMessage());
    }

    @Test
    void aCompareOfTheCatchUpAloneIsRefusedSinceItReadsTheOnePartitionProduceTopic() {
        Compare.Plan d = Compare.Plan.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Compare.Plan(1,
                d.largeRecords(), d.smallRecords(), d.e2eRate(), d.e2eDuration(), d.e2eWarmup(), 0, d.idleSettle(),
                Set.of(Compare.Part.CONSUME), d.brokers()));
        assertTrue(e.getMessage().contains("produce-1k-1p"), e.getMessage());
    }

    @Test
    void aCompareStartsSpindleKafkaOrBothEachOnce() {
        Compare.Plan d = Compare.Plan.defaults();
        assertEquals(List.of("spindle", "kafka"), d.brokers());
        assertEquals(List.of("spindle"), new Compare.Plan(1, d.largeRecords(), d.smallRecords(), d.e2eRate(),
                d.e2eDuration(), d.e2eWarmup(), 0, d.idleSettle(), d.parts(), List.of("spindle")).brokers());
        for (List<String> wrong : List.of(List.<String>of(), List.of("spindle", "spindle"), List.of("kafka-fsync"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Compare.Plan(1,
                    d.largeRecords(), d.smallRecords(), d.e2eRate(), d.e2eDuration(), d.e2eWarmup(), 0, d.idleSettle(),
                    d.parts(), wrong));
            assertTrue(e.getMessage().contains(wrong.toString()), e.getMessage());
        }
    }

    @Test
    void rssComesFromTheVmRssLineInKibibytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  123456 kB\nThreads:\t30\n";
        assertEquals(123456, ProcessMemory.parseVmRssKiB(status, "test"));
        assertThrows(PerfException.class, () -> ProcessMemory.parseVmRssKiB("Name:\tjava\n", "test"));
    }

    @Test
    void cpuTimeIsUserPlusSystemTicksInHundredthsOfASecond() {
        String stat = "4242 (java (broker)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 30 0 12345";
        assertEquals(3.25, ProcessMemory.parseCpuSeconds(stat, "test"), 1e-9);
        assertThrows(PerfException.class, () -> ProcessMemory.parseCpuSeconds("4242 (java) S 1", "test"));
    }

    @Test
    void cpuTimeOfThisProcessGrowsWithWork() {
        double before = ProcessMemory.cpuSeconds(ProcessHandle.current().pid());
        long sum = 0;
        long until = System.nanoTime() + 200_000_000L;
        while (System.nanoTime() < until) {
            sum += Long.numberOfTrailingZeros(sum + System.nanoTime());
        }
        assertTrue(sum >= 0);
        assertTrue(ProcessMemory.cpuSeconds(ProcessHandle.current().pid()) > before);
    }

    @Test
    void rssOfThisProcessIsPositive() {
        assertTrue(ProcessMemory.rssKiB(ProcessHandle.current().pid()) > 0);
    }

    @Test
    void runResultDerivesRatesAndPercentilesFromItsCounts() {
        var histogram = RunResult.newHistogram();
        for (int i = 1; i <= 100; i++) {
            histogram.recordValue(i * 1000L);       // 1..100 ms
        }
        RunResult result = new RunResult("produce", 2_000, 2_000_000, 2_000_000_000L, histogram);

        assertEquals(1_000, result.recordsPerSecond(), 1e-9);
        assertEquals(1.0, result.megabytesPerSecond(), 1e-9);
        assertEquals(50, result.latencyMs(50), 0.1);
        assertEquals(99, result.latencyMs(99), 0.1);
        assertEquals(100, result.maxLatencyMs(), 0.1);
    }

    @Test
    void sequentialKeysCycleAndNoneMeansNoKey() {
        KeyDistribution keys = KeyDistribution.parse("sequential:2");
        assertArrayEquals("key-0".getBytes(), keys.nextKey());
        assertArrayEquals("key-1".getBytes(), keys.nextKey());
        assertArrayEquals("key-0".getBytes(), keys.nextKey());
        assertNull(KeyDistribution.parse("none").nextKey());
        assertThrows(IllegalArgumentException.class, () -> KeyDistribution.parse("zipf:3"));
    }

    @Test
    void durationsTakeAUnit() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("PT30S"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("30"));
    }

    @Test
    void sendTimeRoundTripsThroughTheRecordValue() {
        byte[] value = new byte[16];
        Bytes.putLong(value, 0, -1234567890123L);
        assertEquals(-1234567890123L, Bytes.getLong(value, 0));
    }

    @Test
    void jsonEscapesStringsAndNestsObjects() {
        String json = new Json().put("a", "x\"y").put("n", 1.5).put("i", 3L).put("o", Map.of("k", true)).toString();
        assertEquals("{\"a\":\"x\\\"y\",\"n\":1.5,\"i\":3,\"o\":{\"k\":true}}", json);
    }

    @Test
    void aWorkloadIsBoundedByCountOrDurationNotBoth() {
        assertThrows(IllegalArgumentException.class, () -> new Workload("h:1", "t", 10, Duration.ofSeconds(1), 100,
                "none", "all", 16384, 5, "none", 1, 0, 0, Workload.READ_UNCOMMITTED));
        assertThrows(IllegalArgumentException.class, () -> new Workload("h:1", "t", 0, null, 100,
                "none", "all", 16384, 5, "none", 1, 0, 0, Workload.READ_UNCOMMITTED));
    }
}
