package io.spindle.log.compact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.TopicConfig;
import io.spindle.log.compact.CleaningPlan.Candidate;
import io.spindle.log.compact.CleaningPlan.LogSummary;
import io.spindle.log.compact.CleaningPlan.SegmentSummary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CleaningPlanTest {
    private static final long NOW = 1_000_000;

    private static TopicConfig config(String... keyValues) {
        Map<String, String> overrides = new HashMap<>(Map.of(TopicConfig.CLEANUP_POLICY, "compact"));
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.put(keyValues[i], keyValues[i + 1]);
        }
        return TopicConfig.defaults().with(overrides);
    }

    /** Four sealed segments of 100 bytes at offsets 0, 10, 20, 30 with records of time NOW - 1000, and an active one. */
    private static List<SegmentSummary> segments() {
        return List.of(new SegmentSummary(0, 100, NOW - 1000, false), new SegmentSummary(10, 100, NOW - 1000, false),
                new SegmentSummary(20, 100, NOW - 1000, false), new SegmentSummary(30, 100, NOW - 1000, false),
                new SegmentSummary(40, 100, NOW, true));
    }

    @Test
    void theRangeEndsAtTheSegmentHoldingTheLastStableOffset() {
        Candidate inside = CleaningPlan.candidate(new LogSummary("t-0", config(), segments(), 0, 25), NOW);
        assertEquals(20, inside.firstUncleanableOffset(), "segment 20 holds offset 25: an open transaction starts there");
        assertEquals(200, inside.dirtyBytes());
        Candidate atBase = CleaningPlan.candidate(new LogSummary("t-0", config(), segments(), 0, 30), NOW);
        assertEquals(30, atBase.firstUncleanableOffset(), "segment 20 ends below offset 30");
    }

    @Test
    void theRangeEndsAtTheActiveSegmentAndTheRatioIsDirtyOverCleanable() {
        Candidate c = CleaningPlan.candidate(new LogSummary("t-0", config(), segments(), 20), NOW);
        assertEquals(40, c.firstUncleanableOffset());
        assertEquals(200, c.cleanBytes());
        assertEquals(200, c.dirtyBytes());
        assertEquals(0.5, c.dirtyRatio());
        assertFalse(c.mustClean());
    }

    @Test
    void segmentsWithRecordsYoungerThanTheMinimumLagAreNotCleanable() {
        Candidate c = CleaningPlan.candidate(new LogSummary("t-0",
                config(TopicConfig.MIN_COMPACTION_LAG_MS, "500"), segments(), 0), NOW);
        assertEquals(40, c.firstUncleanableOffset(), "records 1000 ms old are past a 500 ms lag");
        c = CleaningPlan.candidate(new LogSummary("t-0", config(TopicConfig.MIN_COMPACTION_LAG_MS, "5000"),
                segments(), 0), NOW);
        assertEquals(0, c.firstUncleanableOffset());
        assertEquals(0, c.dirtyBytes());
    }

    @Test
    void theLogWithTheHighestRatioAtOrAboveItsMinimumIsChosen() {
        LogSummary half = new LogSummary("half-0", config(), segments(), 20);             // 0.5
        LogSummary most = new LogSummary("most-0", config(), segments(), 10);             // 0.75
        LogSummary low = new LogSummary("low-0", config(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.9"), segments(), 0);
        Optional<Candidate> chosen = CleaningPlan.choose(List.of(half, low, most), NOW);
        assertEquals("low-0", chosen.orElseThrow().log().name(), "1.0 is above its own 0.9");
        assertEquals("most-0", CleaningPlan.choose(List.of(half, most), NOW).orElseThrow().log().name());
    }

    @Test
    void aLogBelowItsRatioWaitsUnlessItsOldestDirtyRecordIsPastTheMaximumLag() {
        LogSummary quarter = new LogSummary("t-0", config(), segments(), 30);            // 0.25
        assertTrue(CleaningPlan.choose(List.of(quarter), NOW).isEmpty());
        LogSummary overdue = new LogSummary("t-0", config(TopicConfig.MAX_COMPACTION_LAG_MS, "999"), segments(), 30);
        Candidate c = CleaningPlan.choose(List.of(overdue), NOW).orElseThrow();
        assertTrue(c.mustClean());
    }

    @Test
    void onlyPoliciesThatCompactAreCleanedAndNothingDirtyMeansNothingToDo() {
        LogSummary deleteOnly = new LogSummary("d-0", TopicConfig.defaults(), segments(), 0);
        LogSummary clean = new LogSummary("c-0", config(), segments(), 40);
        assertTrue(CleaningPlan.choose(List.of(deleteOnly, clean), NOW).isEmpty());
        LogSummary both = new LogSummary("b-0", config(TopicConfig.CLEANUP_POLICY, "compact,delete"), segments(), 0);
        assertEquals("b-0", CleaningPlan.choose(List.of(deleteOnly, both), NOW).orElseThrow().log().name());
    }
}
