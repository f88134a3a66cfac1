package io.spindle.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineProbeTest {
    @Test
    void fdatasyncProbeGivesOrderedPercentilesAndLeavesNoFileBehind(@TempDir Path dir) throws Exception {
        double[] fsync = MachineProbe.fdatasyncAfterAppend(dir, 20);

        assertEquals(3, fsync.length);
        assertTrue(fsync[0] > 0 && fsync[0] <= fsync[1] && fsync[1] <= fsync[2],
                () -> "p50 " + fsync[0] + ", p99 " + fsync[1] + ", max " + fsync[2]);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the probe's file is deleted");
        }
    }
}
