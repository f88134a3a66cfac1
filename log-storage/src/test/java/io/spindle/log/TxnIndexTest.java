package io.spindle.log;

import static io.spindle.fixtures.Batches.batch;
import static io.spindle.log.TxnBatches.data;
import static io.spindle.log.TxnBatches.marker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aborted-transaction index of a partition log: one {@code .txnindex} per segment, written with the ABORT marker,
 * read back from disk at a reopen, rebuilt from its segment when missing, damaged or past the recovery point, and cut
 * or deleted with its segment.
 */
class TxnIndexTest {
    private static final TopicConfig CONFIG = TopicConfig.defaults().with(Map.of("segment.bytes", "1000"));
    private static final long P1 = 11;
    private static final long P2 = 22;

    @TempDir
    Path dataDir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final OpenLogs logs = new OpenLogs();

    @AfterEach
    void closeAll() {
        logs.close();
    }

    private PartitionLog open() {
        return logs.openT0(dataDir, CONFIG, clock);
    }

    private Path file(long base, String suffix) {
        return dataDir.resolve("t-0").resolve(Segment.fileName(base, suffix));
    }

    /**
     * P1 opens at 0, P2 at 1, P1 aborts at 2 (P2 still open: last stable offset 1), P2 aborts at 4, then plain
     * batches fill more segments. Returns the two aborted transactions as the log must report them.
     */
    private static List<AbortedTransaction> writeTwoAborts(PartitionLog log) {
        log.append(data(P1, 0, 1000, "a=1"));
        log.append(data(P2, 0, 1000, "b=1"));
        log.append(marker(P1, false, 1000));
        log.append(data(P2, 1, 1000, "b=2"));
        log.append(marker(P2, false, 1000));
        for (int i = 0; i < 30; i++) {
            log.append(batch("x" + i, 2, 1000));
        }
        return List.of(new AbortedTransaction(P1, 0, 2, 1), new AbortedTransaction(P2, 1, 4, 5));
    }

    @Test
    void anAbortMarkerPutsItsTransactionInTheIndexOfItsSegmentWithTheLastStableOffsetAfterIt() throws Exception {
        PartitionLog log = open();
        List<AbortedTransaction> expected = writeTwoAborts(log);

        assertEquals(expected, log.transactions().abortedTransactions(0, log.logEndOffset()));
        assertTrue(log.segmentCount() > 2, "the test needs several segments");
        assertEquals(TxnIndex.HEADER_SIZE + 2 * TxnIndex.ENTRY_SIZE, Files.size(file(0, TxnIndex.SUFFIX)));
        long second = log.cleanable().segmentSummaries().get(1).baseOffset();
        assertEquals(0, Files.size(file(second, TxnIndex.SUFFIX)), "every segment has its file, empty until an abort");
        assertEquals(TransactionIndex.NONE_OPEN, log.transactions().firstUnstableOffset());
    }

    @Test
    void aSearchListsOnlyTheAbortsThatOverlapTheRange() {
        PartitionLog log = open();
        List<AbortedTransaction> both = writeTwoAborts(log);

        assertEquals(both.subList(0, 1), log.transactions().abortedTransactions(0, 1), "P2 starts at 1");
        assertEquals(both.subList(1, 2), log.transactions().abortedTransactions(3, 50), "P1's marker is at 2");
        assertEquals(List.of(), log.transactions().abortedTransactions(5, 50));
    }

    @Test
    void aReopenReadsTheIndexFromDiskInsteadOfRebuildingIt() throws Exception {
        PartitionLog log = open();
        writeTwoAborts(log);
        closeAll();
        // An entry that differs from what the batches would give, with a valid CRC: only a read of the file reports it.
        AbortedTransaction doctored = new AbortedTransaction(P1, 0, 2, 3);
        try (RandomAccessFile raf = new RandomAccessFile(file(0, TxnIndex.SUFFIX).toFile(), "rw")) {
            raf.seek(TxnIndex.HEADER_SIZE);
            raf.write(encode(doctored));
        }

        PartitionLog reopened = open();

        assertEquals(doctored, reopened.transactions().abortedTransactions(0, 1).get(0));
    }

    @Test
    void aMissingIndexIsRebuiltFromItsSegment() throws Exception {
        PartitionLog log = open();
        List<AbortedTransaction> expected = writeTwoAborts(log);
        closeAll();
        Files.delete(file(0, TxnIndex.SUFFIX));

        PartitionLog reopened = open();

        assertEquals(expected, reopened.transactions().abortedTransactions(0, reopened.logEndOffset()));
        assertEquals(TxnIndex.HEADER_SIZE + 2 * TxnIndex.ENTRY_SIZE, Files.size(file(0, TxnIndex.SUFFIX)),
                "written again");
    }

    @Test
    void aDamagedIndexIsRebuiltFromItsSegment() throws Exception {
        PartitionLog log = open();
        List<AbortedTransaction> expected = writeTwoAborts(log);
        closeAll();
        try (RandomAccessFile raf = new RandomAccessFile(file(0, TxnIndex.SUFFIX).toFile(), "rw")) {
            raf.seek(TxnIndex.HEADER_SIZE + 20);
            raf.write(0x7f);                    // inside the first entry: its CRC no longer matches
        }

        PartitionLog reopened = open();

        assertEquals(expected, reopened.transactions().abortedTransactions(0, reopened.logEndOffset()));
    }

    @Test
    void afterACrashTheUnvouchedTailsIndexIsRebuiltFromItsBatches() throws Exception {
        PartitionLog log = open();
        List<AbortedTransaction> expected = writeTwoAborts(log);
        closeAll();
        // As after a crash: no checkpoint vouches for anything, and the page cache lost the index file's entries, and
        // with them the segment's seal, which is written only after the index was forced (SegmentSeal).
        Files.deleteIfExists(dataDir.resolve(CleanShutdown.FILE_NAME)); // and no clean stop vouches for it
        Files.deleteIfExists(dataDir.resolve("t-0").resolve(Checkpoint.FILE_NAME));
        Files.delete(file(0, SegmentSeal.SUFFIX));
        try (RandomAccessFile raf = new RandomAccessFile(file(0, TxnIndex.SUFFIX).toFile(), "rw")) {
            raf.setLength(TxnIndex.HEADER_SIZE);
        }

        PartitionLog reopened = open();

        assertEquals(expected, reopened.transactions().abortedTransactions(0, reopened.logEndOffset()));
    }

    @Test
    void anOpenTransactionIsOpenAgainAfterAReopenAndHoldsTheLastStableOffset() {
        PartitionLog log = open();
        writeTwoAborts(log);
        long start = log.logEndOffset();
        log.append(data(P1, 1, 1000, "a=2"));
        closeAll();

        PartitionLog reopened = open();

        assertEquals(start, reopened.transactions().firstUnstableOffset());
        assertEquals(start, reopened.transactions().openTransactionStart(P1));
        reopened.append(marker(P1, true, 1000));
        assertEquals(TransactionIndex.NONE_OPEN, reopened.transactions().firstUnstableOffset());
    }

    @Test
    void aTruncationBelowAnAbortMarkerTakesItsEntryAndReopensItsTransaction() {
        PartitionLog log = open();
        log.append(batch("x", 2, 1000));
        log.append(data(P1, 0, 1000, "a=1"));
        log.append(marker(P1, false, 1000));
        assertEquals(1, log.transactions().abortedTransactions(0, 10).size());

        log.truncateTo(3);

        assertEquals(List.of(), log.transactions().abortedTransactions(0, 10));
        assertEquals(2, log.transactions().firstUnstableOffset(), "P1's batch at 2 is undecided again");
        closeAll();
        PartitionLog reopened = open();
        assertEquals(List.of(), reopened.transactions().abortedTransactions(0, 10));
        assertEquals(2, reopened.transactions().firstUnstableOffset());
    }

    @Test
    void retentionDeletesTheIndexWithItsSegment() throws Exception {
        PartitionLog log = open();
        writeTwoAborts(log);
        clock.advance(8L * 24 * 3600 * 1000);
        log.append(batch("new", 1, clock.millis()));

        assertTrue(log.enforceRetention() > 0);

        assertTrue(Files.notExists(file(0, TxnIndex.SUFFIX)));
        assertEquals(List.of(), log.transactions().abortedTransactions(0, log.logEndOffset()));
    }

    private static byte[] encode(AbortedTransaction entry) {
        ByteBuffer bytes = ByteBuffer.allocate(TxnIndex.ENTRY_SIZE);
        bytes.putLong(entry.producerId()).putLong(entry.firstOffset()).putLong(entry.lastOffset())
                .putLong(entry.lastStableOffset());
        CRC32C crc = new CRC32C();
        crc.update(bytes.array(), 0, TxnIndex.ENTRY_SIZE - 4);
        bytes.putInt((int) crc.getValue());
        return bytes.array();
    }
}
