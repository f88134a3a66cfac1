package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The nearest-rank percentiles {@code spindle perf failover} reports over its kills. */
class FailoverRunTest {
    private static final double[] TWENTY = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

    @Test
    void p50OfTwentyKillsIsTheTenthAndP99IsTheSlowest() {
        assertEquals(10, FailoverRun.percentile(TWENTY, 50));
        assertEquals(20, FailoverRun.percentile(TWENTY, 99));
    }

    @Test
    void oneKillIsEveryPercentile() {
        assertEquals(7, FailoverRun.percentile(new double[] {7}, 50));
        assertEquals(7, FailoverRun.percentile(new double[] {7}, 99));
    }
}
