package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The layout every perf command prints its figures in, which readers of earlier output compare against. */
class CaptionTest {
    @Test
    void aLinePadsTheLabelToTheWidthAndGivesTheValueTwoDecimalsInTwelveColumns() {
        assertEquals("  time to compact           1234.57 s", new Caption("time to compact", "s").line(20, 1234.5678));
    }

    @Test
    void aLabelLongerThanTheWidthIsKeptWhole() {
        assertEquals("  a label longer than twenty         0.00 MiB",
                new Caption("a label longer than twenty", "MiB").line(20, 0.004));
    }

    @Test
    void aHeadingPutsTheUnitInBrackets() {
        assertEquals("produce 1 KiB (records/s)", new Caption("produce 1 KiB", "records/s").heading());
    }
}
