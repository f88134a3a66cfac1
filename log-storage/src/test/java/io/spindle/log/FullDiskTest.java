package io.spindle.log;

import static io.spindle.log.Reads.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.ManualClock;
import io.spindle.fixtures.Tmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real, small filesystem (a 4 MiB tmpfs the test mounts; skipped where it may not mount one): a full
 * disk fails the append that meets it with LogIOException, the log stays readable and consistent, and
 * appends work again once space returns.
 */
class FullDiskTest {
    @TempDir
    Path parent;

    private Tmpfs disk;
    private Path mount;

    @BeforeEach
    void mountSmallFilesystem() throws Exception {
        disk = Tmpfs.mount(parent, "4m");
        mount = disk.root();
    }

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aFullDiskFailsTheAppendKeepsTheLogReadableAndRecoversWhenSpaceReturns() throws Exception {
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[1 << 20]);
        TopicConfig config = TopicConfig.defaults().with(Map.of("segment.bytes", String.valueOf(8 << 20)));
        try (LogManager manager = LogManager.open(mount.resolve("data"), new FlushPolicy(FlushMode.FSYNC, 1000, 10_000),
                3_600_000, t -> config, new ManualClock(1_700_000_000_000L))) {
            PartitionLog log = manager.getOrCreate("t", 0, config);
            long appended = 0;
            LogIOException failure = null;
            for (int i = 0; i < 1000 && failure == null; i++) {
                try {
                    AppendResult r = log.append(Batches.batchOfSize(16 << 10, 1_700_000_000_000L));
                    r.durable().get(10, TimeUnit.SECONDS);
                    appended++;
                } catch (LogIOException e) {
                    failure = e;
                }
            }
            assertTrue(failure != null, "the disk never filled");
            assertTrue(appended > 10, "only " + appended + " appends fitted before the disk was full: " + failure);
            assertTrue(failure.getMessage().contains("t-0"), failure.getMessage());
            assertEquals(appended, log.logEndOffset());
            assertEquals(appended, readAll(log, 0).size());
            assertThrows(LogIOException.class, () -> log.append(Batches.batchOfSize(16 << 10, 1_700_000_000_000L)));

            Files.delete(filler);
            AppendResult after = log.append(Batches.batchOfSize(16 << 10, 1_700_000_000_000L));
            after.durable().get(10, TimeUnit.SECONDS);
            assertEquals(appended, after.firstOffset());
            List<String> all = readAll(log, 0);
            assertEquals(appended + 1, all.size());
        }
    }

    @Test
    void partitionsHoldingOneRecordEachReserveLittleDiskAhead() throws Exception {
        TopicConfig config = TopicConfig.defaults().with(Map.of("segment.bytes", String.valueOf(2 << 20)));
        long usedBefore = used(mount);
        try (LogManager manager = LogManager.open(mount.resolve("data"), new FlushPolicy(FlushMode.FSYNC, 1000, 10_000),
                3_600_000, t -> config, new ManualClock(1_700_000_000_000L))) {
            for (int p = 0; p < 8; p++) {
                PartitionLog log = manager.getOrCreate("t", p, config);
                log.append(Batches.batchOfSize(1 << 10, 1_700_000_000_000L)).durable().get(10, TimeUnit.SECONDS);
            }
            long grown = used(mount) - usedBefore;
            // A 2 MiB step per partition would fill the 4 MiB disk after two of them (the rest falling back to exact
            // reservations); growing steps start at 64 KiB each.
            assertTrue(grown < (1 << 20), "8 partitions of one record hold " + grown + " bytes of the disk");
        }
    }

    private static long used(Path mount) throws IOException {
        var store = Files.getFileStore(mount);
        return store.getTotalSpace() - store.getUsableSpace();
    }
}
