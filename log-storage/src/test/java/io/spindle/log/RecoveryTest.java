package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.readAll;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A crash can leave the last batch torn or garbled; recovery must cut exactly that batch and nothing before it. */
class RecoveryTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "65536"));
    private static final int LAST_BATCH_RECORDS = 3;

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    /** Writes two good batches and a last one, closes cleanly, and returns where the last batch starts and ends. */
    private int[] writeThreeBatches() {
        try (LogManager manager = open()) {
            PartitionLog log = manager.getOrCreate("t", 0, CONFIG);
            log.append(batch("a", 2, 1000));
            log.append(batch("b", 2, 1000));
            int start = (int) log.sizeInBytes();
            log.append(batch("c", LAST_BATCH_RECORDS, 1000));
            return new int[] {start, (int) log.sizeInBytes()};
        }
    }

    private LogManager open() {
        return LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000, t -> CONFIG, clock);
    }

    private Path segmentFile() {
        return dataDir.resolve("t-0").resolve(Segment.fileName(0, ".log"));
    }

    /** As after a crash: the checkpoint no longer vouches for the tail. */
    private void forgetCheckpoint() throws Exception {
        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        Files.deleteIfExists(dataDir.resolve("t-0").resolve(Checkpoint.FILE_NAME));
    }

    static IntStream lastBatchPositions() {
        // The last batch is 61 header bytes plus 3 small records; cover every byte of it.
        return IntStream.range(0, 61 + LAST_BATCH_RECORDS * 12);
    }

    @ParameterizedTest
    @MethodSource("lastBatchPositions")
    void aTailCutAnywhereInTheLastBatchDropsOnlyThatBatch(int cut) throws Exception {
        int[] last = writeThreeBatches();
        if (last[0] + cut >= last[1]) {
            return;
        }
        try (RandomAccessFile file = new RandomAccessFile(segmentFile().toFile(), "rw")) {
            file.setLength(last[0] + cut);
        }
        forgetCheckpoint();
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(4, log.logEndOffset());
            assertEquals(List.of("0=a-0", "1=a-1", "2=b-0", "3=b-1"), readAll(log, 0));
            assertEquals(4, log.append(batch("d", 1, 2000)).firstOffset());
            assertEquals("4=d-0", readAll(log, 0).get(4));
        }
    }

    @ParameterizedTest
    @MethodSource("lastBatchPositions")
    void aGarbledByteAnywhereInTheLastBatchDropsOnlyThatBatch(int at) throws Exception {
        int[] last = writeThreeBatches();
        if (last[0] + at >= last[1]) {
            return;
        }
        try (RandomAccessFile file = new RandomAccessFile(segmentFile().toFile(), "rw")) {
            file.seek(last[0] + at);
            int b = file.read();
            file.seek(last[0] + at);
            file.write(b ^ 0xFF);
        }
        forgetCheckpoint();
        // The partition leader epoch (bytes 12-15) is outside the CRC, as in Kafka: damage there is not detectable
        // and the batch stays.
        boolean undetectable = at >= 12 && at < 16;
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(undetectable ? 7 : 4, log.logEndOffset());
            assertEquals(undetectable ? 7 : 4, readAll(log, 0).size());
            long next = log.logEndOffset();
            assertEquals(next, log.append(batch("d", 1, 2000)).firstOffset());
        }
        // And the cut is stable: a second restart finds the same log.
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(undetectable ? 8 : 5, readAll(log, 0).size());
        }
    }

    @Test
    void zerosAfterTheLastBatchAreThePreallocatedTailNotDamage() throws Exception {
        try (LogManager manager = open()) {
            manager.getOrCreate("t", 0, CONFIG).append(batch("a", 2, 1000));
        }
        try (RandomAccessFile file = new RandomAccessFile(segmentFile().toFile(), "rw")) {
            file.setLength(65536);
        }
        forgetCheckpoint();
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(2, log.logEndOffset());
        }
    }

    @Test
    void aDamagedCheckpointMeansAFullScanNotALoss() throws Exception {
        writeThreeBatches();
        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        Files.write(dataDir.resolve("t-0").resolve(Checkpoint.FILE_NAME), new byte[] {9, 9, 9});
        try (LogManager manager = open()) {
            assertEquals(7, manager.get("t", 0).orElseThrow().logEndOffset());
        }
    }

    /** As after a kill -9 whose last checkpoint vouched for the first {@code recoveryPoint} offsets of the segment. */
    private void checkpointAt(long recoveryPoint) throws Exception {
        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        new Checkpoint(recoveryPoint, 0, false).write(dataDir.resolve("t-0"));
    }

    @Test
    void aTornWriteAfterTheRecoveryPointInsideTheActiveSegmentIsCutWhileWhatPrecedesItStays() throws Exception {
        int[] last = writeThreeBatches();
        checkpointAt(4);
        try (RandomAccessFile file = new RandomAccessFile(segmentFile().toFile(), "rw")) {
            // Torn: the last batch only half written, the rest of the preallocated file zeros.
            file.setLength(last[0] + (last[1] - last[0]) / 2);
            file.setLength(65536);
        }
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(4, log.logEndOffset());
            assertEquals(List.of("0=a-0", "1=a-1", "2=b-0", "3=b-1"), readAll(log, 0));
            assertEquals(4, log.append(batch("d", 1, 2000)).firstOffset());
            assertEquals("4=d-0", readAll(log, 0).get(4));
        }
        try (LogManager manager = open()) {
            assertEquals(5, readAll(manager.get("t", 0).orElseThrow(), 0).size());
        }
    }

    @Test
    void aGarbledByteBelowTheRecoveryPointInsideTheActiveSegmentIsFoundByTheBackgroundCheck() throws Exception {
        int[] last = writeThreeBatches();
        checkpointAt(7);
        try (RandomAccessFile file = new RandomAccessFile(segmentFile().toFile(), "rw")) {
            // A record byte of the first batch (inside its CRC), below the recovery point: the start walks only its
            // header, and the CRC check after the start finds it.
            file.seek(61 + 4);
            int b = file.read();
            file.seek(61 + 4);
            file.write(b ^ 0xFF);
        }
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(log::isOffline);
        }
        // The next start validates the segment batch by batch from its base and cuts it at the damage.
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(0, log.logEndOffset());
            assertFalse(log.isOffline());
        }
    }

    @Test
    void aKillAfterTheRecoveryPointKeepsEveryWholeBatchAfterIt() throws Exception {
        int[] last = writeThreeBatches();
        checkpointAt(2);
        try (RandomAccessFile file = new RandomAccessFile(segmentFile().toFile(), "rw")) {
            file.setLength(65536);
        }
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(7, log.logEndOffset());
            assertEquals(last[1], log.sizeInBytes());
        }
    }
}
