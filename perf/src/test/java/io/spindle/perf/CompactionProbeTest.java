package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the compaction benchmark reads each broker's files, and its sizes and speed ratio. */
class CompactionProbeTest {
    @TempDir
    Path dir;

    private void segments(String partitionDir, long... bases) throws Exception {
        Files.createDirectories(dir.resolve(partitionDir));
        for (long base : bases) {
            Files.write(dir.resolve(partitionDir).resolve(String.format("%020d.log", base)), new byte[100]);
        }
        Files.write(dir.resolve(partitionDir).resolve(String.format("%020d.index", bases[0])), new byte[7]);
    }

    @Test
    void kafkasCheckpointNamesThePartitionWithASpaceAndCompactedMeansItReachedTheActiveSegment() throws Exception {
        segments("t-0", 0, 500);
        Files.writeString(dir.resolve("cleaner-offset-checkpoint"), "0\n2\nt 1 900\nt 0 499\n");
        CompactionProbe probe = CompactionProbe.kafka(dir, "t", 0);

        assertEquals(499, probe.cleanedTo());
        assertEquals(500, probe.activeSegmentBase());
        assertEquals(100, probe.sealedBytes(), "the active segment is not counted");
        assertFalse(probe.compacted());

        Files.writeString(dir.resolve("cleaner-offset-checkpoint"), "0\n1\nt 0 500\n");
        assertTrue(probe.compacted());
    }

    @Test
    void spindlesCheckpointNamesThePartitionWithADash() throws Exception {
        segments("t-0", 0, 500);
        Files.writeString(dir.resolve("cleaner-offset-checkpoint"), "0\n2\nt-00 1\nt-0 500\n");

        assertEquals(500, CompactionProbe.spindle(dir, "t", 0).cleanedTo());
        assertTrue(CompactionProbe.spindle(dir, "t", 0).compacted());
        assertEquals(-1, CompactionProbe.spindle(dir, "u", 0).cleanedTo());
        assertFalse(CompactionProbe.spindle(dir, "u", 0).compacted());
    }

    @Test
    void sizesTakeKMAndGAndRefuseTheRest() {
        assertEquals(256L << 20, ByteSize.parse("256m"));
        assertEquals(1L << 30, ByteSize.parse("1G"));
        assertEquals(4096, ByteSize.parse("4k"));
        assertEquals(1000, ByteSize.parse("1000"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("1.5g")).getMessage().contains("1.5g"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("0m"));
    }

    @Test
    void theSpeedRatioIsKafkasTimeOverSpindles() {
        assertEquals(2.0, CompactCompare.speedRatio(new double[] {10, 5}));
    }
}
