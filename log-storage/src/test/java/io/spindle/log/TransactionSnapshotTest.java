package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.TxnBatches.data;
import static io.spindle.log.TxnBatches.marker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A start from the producers' snapshot ({@link ProducerStateFile}) knows the transactions as a walk over every batch
 * would: the open ones (so the last stable offset holds) and the coordinator epochs, and a {@code .txnindex} that must
 * be rebuilt is rebuilt from a point where the open transactions are known.
 */
class TransactionSnapshotTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1000"));
    private static final long P1 = 11;
    private static final long P2 = 22;

    @TempDir
    Path dataDir;

    // Near the batches' timestamps (1000 on): a producer whose last batch is older than producer.id.expiration.ms (a
    // day) by the clock is forgotten when the log opens, as Kafka forgets it.
    private final ManualClock clock = new ManualClock(1_000_000L);
    private final OpenLogs logs = new OpenLogs();

    @AfterEach
    void closeAll() {
        logs.close();
    }

    private PartitionLog open() {
        return logs.openT0(dataDir, CONFIG, clock);
    }

    private Path partition() {
        return dataDir.resolve("t-0");
    }

    private static void fill(PartitionLog log, int batches) {
        for (int i = 0; i < batches; i++) {
            log.append(batch("x" + i, 2, 1000));
        }
    }

    private static java.nio.ByteBuffer markerWithCoordinatorEpoch(long producerId, boolean commit, int epoch) {
        return MemoryRecords.withEndTransactionMarker(0L, 1000, 0, producerId, (short) 0,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, epoch)).buffer();
    }

    /**
     * {@code clean}: the clean close's snapshot, as of the log end (no batch is read at the start); {@code roll}: the
     * snapshot of the last roll and a crash (only the active segment is read, the transaction began before it).
     */
    @ParameterizedTest(name = "snapshot: {0}")
    @ValueSource(strings = {"clean", "roll"})
    void aTransactionLeftOpenStillHoldsTheLastStableOffsetAfterARestartAndItsMarkerCompletesIt(String snapshot)
            throws Exception {
        Path atRoll = dataDir.resolve("producer-state-at-roll");
        long first;
        {
            PartitionLog log = open();
            log.append(data(P2, 0, 1000, "b=1"));
            log.append(markerWithCoordinatorEpoch(P2, true, 7));
            fill(log, 3);
            first = log.logEndOffset();
            log.append(data(P1, 0, 1000, "a=1"));
            fill(log, 30);
            assertTrue(log.segmentCount() > 3, "the transaction must begin in a sealed segment");
            log.append(data(P1, 1, 1000, "a=2"));
            Files.copy(partition().resolve(ProducerStateFile.FILE_NAME), atRoll);
            closeAll();
        }
        if (snapshot.equals("roll")) {
            Files.copy(atRoll, partition().resolve(ProducerStateFile.FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
            Files.deleteIfExists(partition().resolve(Checkpoint.FILE_NAME));
            Files.deleteIfExists(dataDir.resolve(RecoveryPoints.FILE_NAME));    // nothing vouches for the log
        }

        PartitionLog reopened = open();

        assertEquals(first, reopened.transactions().firstUnstableOffset(), "the last stable offset");
        assertEquals(first, reopened.transactions().openTransactionStart(P1));
        assertEquals(1, reopened.transactions().openCount());
        assertEquals(7, reopened.transactions().coordinatorEpoch(P2), "the coordinator epoch of P2's marker");
        long markerOffset = reopened.logEndOffset();
        reopened.append(marker(P1, false, 1000));
        assertEquals(TransactionIndex.NONE_OPEN, reopened.transactions().firstUnstableOffset());
        assertEquals(List.of(new AbortedTransaction(P1, first, markerOffset, markerOffset + 1)),
                reopened.transactions().abortedTransactions(first, reopened.logEndOffset()));
    }

    @Test
    void aMissingIndexOfASealedSegmentBelowTheSnapshotIsRebuiltWithTheTransactionOpenBeforeIt() throws Exception {
        long first;
        long abortAt;
        long abortSegment;
        {
            PartitionLog log = open();
            first = log.logEndOffset();
            log.append(data(P1, 0, 1000, "a=1"));
            fill(log, 12);
            assertTrue(log.segmentCount() > 1, "the transaction must begin in an earlier segment than its marker");
            abortAt = log.logEndOffset();
            log.append(marker(P1, false, 1000));
            fill(log, 30);
            closeAll();
        }
        try (Stream<Path> files = Files.list(partition())) {
            abortSegment = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 20))).filter(base -> base <= abortAt).max()
                    .orElseThrow();
        }
        assertTrue(abortSegment > 0, "the marker must be in a later segment than the transaction's first batch");
        Path index = partition().resolve(Segment.fileName(abortSegment, TxnIndex.SUFFIX));
        assertTrue(Files.exists(partition().resolve(Segment.fileName(abortSegment, SegmentSeal.SUFFIX))), "sealed");
        Files.delete(index);

        PartitionLog reopened = open();

        assertEquals(List.of(new AbortedTransaction(P1, first, abortAt, abortAt + 1)),
                reopened.transactions().abortedTransactions(0, reopened.logEndOffset()));
        assertTrue(Files.exists(index), "written again");
        assertEquals(TransactionIndex.NONE_OPEN, reopened.transactions().firstUnstableOffset());
    }

    /**
     * A clean close leaves the snapshot inside the active segment; the next run aborts a transaction there and is
     * killed before a roll. Recovery of the active segment drops its index, which must come back whole: with the
     * abort from before the snapshot too, whose transaction the snapshot no longer knows as open.
     */
    @Test
    void aCrashAfterACleanStartRebuildsTheActiveSegmentsIndexWithAbortsBeforeTheSnapshot() throws Exception {
        {
            PartitionLog log = open();
            log.append(data(P1, 0, 1000, "a=1"));
            log.append(marker(P1, false, 1000));
            closeAll();
        }
        Path snapshotAtClose = dataDir.resolve("producer-state-at-close");
        Files.copy(partition().resolve(ProducerStateFile.FILE_NAME), snapshotAtClose);
        {
            PartitionLog log = open();
            log.append(data(P2, 0, 1000, "b=1"));
            log.append(marker(P2, false, 1000));
            assertEquals(1, log.segmentCount(), "no roll");
            closeAll();
        }
        // As after a kill -9 of the second run: the snapshot of the first close, and a checkpoint that vouches for
        // nothing after the first run's end.
        Files.copy(snapshotAtClose, partition().resolve(ProducerStateFile.FILE_NAME),
                StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        Files.delete(partition().resolve(Checkpoint.FILE_NAME));

        PartitionLog reopened = open();

        assertEquals(List.of(new AbortedTransaction(P1, 0, 1, 2), new AbortedTransaction(P2, 2, 3, 4)),
                reopened.transactions().abortedTransactions(0, reopened.logEndOffset()));
    }

    @Test
    void aSnapshotOfTheFormerVersionIsNotUsed() throws Exception {
        {
            PartitionLog log = open();
            log.append(data(P1, 0, 1000, "a=1"));
            closeAll();
        }
        // Version 1 had no transactions: a start taking it would find no transaction open.
        Path file = partition().resolve(ProducerStateFile.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[5] = 1;
        Files.write(file, bytes);

        PartitionLog reopened = open();

        assertEquals(0, reopened.transactions().firstUnstableOffset());
    }
}
