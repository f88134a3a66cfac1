package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.Reads.readAll;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.FlushMode;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.Batches;
import io.spindle.fixtures.ManualClock;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sealed segments are loaded on the word of their seals (nothing of them is read at start), and checked batch by batch
 * on first use or by the background check: damage is found then instead of at start, takes the log offline, and the
 * next start cuts the log at the damage as a start did before seals.
 */
class SegmentSealTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "2048"));
    private static final int BATCHES = 150;

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private LogManager open() {
        return LogManager.open(dataDir, new FlushPolicy(FlushMode.NONE, 1000, 10_000), 3_600_000, t -> CONFIG, clock);
    }

    private Path partition() {
        return dataDir.resolve("t-0");
    }

    /** Writes BATCHES batches of 4 records over several segments, closes cleanly, returns the records. */
    private List<String> writeSegments() {
        try (LogManager manager = open()) {
            PartitionLog log = manager.getOrCreate("t", 0, CONFIG);
            for (int i = 0; i < BATCHES; i++) {
                log.append(batch("r" + i, 4, 1000 + i));
            }
            assertTrue(log.segmentCount() > 4, "too few segments: " + log.segmentCount());
            return readAll(log, 0);
        }
    }

    private List<Path> segmentFiles() throws Exception {
        try (Stream<Path> files = Files.list(partition())) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void everySegmentButTheActiveOneHasASealAfterACleanClose() throws Exception {
        writeSegments();
        List<Path> logs = segmentFiles();
        for (int i = 0; i < logs.size(); i++) {
            long base = Long.parseLong(logs.get(i).getFileName().toString().substring(0, 20));
            SegmentSeal seal = SegmentSeal.read(partition(), base);
            if (i == logs.size() - 1) {
                assertEquals(null, seal, "the active segment has no seal");
            } else {
                assertEquals(Files.size(logs.get(i)), seal.sizeInBytes(), logs.get(i).toString());
                long nextBase = Long.parseLong(logs.get(i + 1).getFileName().toString().substring(0, 20));
                assertEquals(nextBase, seal.nextOffset());
            }
        }
    }

    @ParameterizedTest(name = "after a {0} stop")
    @ValueSource(strings = {"clean", "crash"})
    void aDamagedSealedSegmentIsFoundAtItsFirstReadAndTheNextStartCutsTheLogThere(String stop) throws Exception {
        List<String> written = writeSegments();
        Path damaged = segmentFiles().get(2);
        long damagedBase = Long.parseLong(damaged.getFileName().toString().substring(0, 20));
        // The last byte of the segment's first batch: a record's value, covered by the CRC, not read by any header walk.
        try (RandomAccessFile f = new RandomAccessFile(damaged.toFile(), "rw")) {
            f.seek(8);
            int firstBatchEnd = 12 + f.readInt();
            f.seek(firstBatchEnd - 1);
            int old = f.read();
            f.seek(firstBatchEnd - 1);
            f.write(old ^ 0x55);
        }
        if (stop.equals("crash")) {
            Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
            Files.deleteIfExists(partition().resolve(Checkpoint.FILE_NAME));
        }

        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertEquals(written.size(), log.logEndOffset(), "the start did not read the damaged segment");
            await().atMost(Duration.ofSeconds(10)).until(log::isOffline);
            LogOfflineException e = assertThrows(LogOfflineException.class, () -> log.read(damagedBase, 1 << 20));
            assertTrue(e.getMessage().contains(damaged.getFileName().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
        }
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            assertFalse(log.isOffline());
            assertEquals(damagedBase, log.logEndOffset(), "cut at the damaged batch");
            assertEquals(written.subList(0, (int) damagedBase), readAll(log, 0));
        }
    }

    /**
     * {@code clean}: the snapshot of the clean close, as of the log end; {@code roll}: the snapshot of the last roll and
     * a crash (the active segment's headers are read); {@code none}: every header is read.
     */
    @ParameterizedTest(name = "snapshot: {0}")
    @ValueSource(strings = {"clean", "roll", "none"})
    void anIdempotentRetryIsRecognizedAfterARestart(String snapshot) throws Exception {
        Path state = partition().resolve(ProducerStateFile.FILE_NAME);
        Path atRoll = dataDir.resolve("producer-state-at-roll");
        try (LogManager manager = open()) {
            PartitionLog log = manager.getOrCreate("t", 0, CONFIG);
            for (int i = 0; i < 30; i++) {
                log.append(Batches.idempotent(7, (short) 0, i * 2, "x" + i + "-".repeat(100), "y" + i));
                log.append(batch("plain" + i, 2, 1000));
            }
            assertTrue(log.segmentCount() > 4);
            Files.copy(state, atRoll);
        }
        switch (snapshot) {
            case "roll" -> {
                Files.copy(atRoll, state, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
                Files.deleteIfExists(partition().resolve(Checkpoint.FILE_NAME));
                long offset = ProducerStateFile.read(partition(), new ProducerStateTable(),
                        new TransactionTracker(new Segments("t-0", partition())));
                assertTrue(offset > 0 && offset < 120, "the roll's snapshot is as of the active segment's base: " + offset);
            }
            case "none" -> Files.delete(state);
            default -> { }
        }
        try (LogManager manager = open()) {
            PartitionLog log = manager.get("t", 0).orElseThrow();
            AppendResult retry = log.append(Batches.idempotent(7, (short) 0, 58, "x29" + "-".repeat(100), "y29"));
            assertTrue(retry.duplicate(), "the retry of the last batch is a duplicate");
            assertThrows(OutOfOrderSequenceException.class,
                    () -> log.append(Batches.idempotent(7, (short) 0, 70, "gap")));
            assertFalse(log.append(Batches.idempotent(7, (short) 0, 60, "next")).duplicate());
            assertEquals(1, log.producers().size());
        }
    }
}
