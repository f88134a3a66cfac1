package io.spindle.log;

import static io.spindle.log.TxnBatches.data;
import static io.spindle.log.TxnBatches.marker;
import static io.spindle.log.TxnBatches.plain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.config.CleanerSettings;
import io.spindle.config.FlushMode;
import io.spindle.config.StorageSettings;
import io.spindle.config.TopicConfig;
import io.spindle.fixtures.ManualClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cleaner on transactional data, on real partition logs (one clean at a time, on the test's thread), as Kafka's
 * cleaner treats it: it stays below the last stable offset, removes the records of aborted transactions, cleans
 * committed ones like any others, keeps a marker while its transaction has a batch left and removes it
 * delete.retention.ms after a clean first found it alone, and keeps what the producers' state needs.
 */
class TransactionalCleaningTest {
    private static final long DELETE_RETENTION_MS = 60_000;
    private static final TopicConfig COMPACTED = TopicConfig.defaults().with(Map.of(TopicConfig.CLEANUP_POLICY,
            "compact", TopicConfig.SEGMENT_BYTES, "400", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01",
            "delete.retention.ms", Long.toString(DELETE_RETENTION_MS)));
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

    private LogManager open() {
        StorageSettings storage = new StorageSettings(dataDir, FlushMode.NONE, 1000, 10_000, 3_600_000,
                CleanerSettings.defaults().withThreads(0));
        return logs.add(LogManager.open(storage, topic -> COMPACTED, clock));
    }

    /** Plain batches of keys f0..f4, enough to fill segments of 400 bytes and roll past what came before. */
    private void fill(PartitionLog log, int batches) {
        for (int i = 0; i < batches; i++) {
            log.append(plain(clock.millis(), "f" + (i % 5) + "=" + i));
        }
    }

    /** "offset:key=value" of each record, "offset:COMMIT"/"offset:ABORT" of each marker, "offset:empty" of an empty batch. */
    private static List<String> everything(PartitionLog log) {
        List<String> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            try (LogSlice slice = log.read(next, 1 << 20)) {
                ByteBuffer copy = ByteBuffer.allocate(slice.sizeInBytes());
                slice.copyTo(copy);
                copy.flip();
                for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
                    batch.ensureValid();
                    if (batch.lastOffset() < next) {
                        continue;
                    }
                    boolean empty = true;
                    for (Record record : batch) {
                        empty = false;
                        out.add(record.offset() + ":" + (batch.isControlBatch()
                                ? ControlRecordType.parse(record.key()).name()
                                : text(record.key()) + "=" + text(record.value())));
                    }
                    if (empty) {
                        out.add(batch.lastOffset() + ":empty");
                    }
                }
                next = slice.nextOffset();
            }
        }
        return out;
    }

    private static String text(ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }

    @Test
    void abortedRecordsGoCommittedOnesAreCleanedAndALoneMarkerGoesAfterDeleteRetention() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        log.append(plain(clock.millis(), "k=old"));                  // 0
        log.append(data(P1, 0, clock.millis(), "k=committed"));     // 1
        log.append(marker(P1, true, clock.millis()));               // 2
        log.append(data(P2, 0, clock.millis(), "k=aborted"));       // 3
        log.append(marker(P2, false, clock.millis()));              // 4
        log.append(data(P2, 1, clock.millis(), "j=later"));         // 5
        log.append(marker(P2, true, clock.millis()));               // 6
        fill(log, 20);

        assertTrue(manager.cleaner().cleanOnce());

        List<String> cleaned = everything(log).stream().filter(r -> Long.parseLong(r.split(":")[0]) < 7).toList();
        assertEquals(List.of("1:k=committed", "2:COMMIT", "4:ABORT", "5:j=later", "6:COMMIT"), cleaned,
                "the older plain value gives way to the committed one, never to the aborted one; the ABORT marker"
                        + " stays until delete.retention.ms has passed since it was found alone");
        assertEquals(List.of(new AbortedTransaction(P2, 3, 4, 5)), log.transactions().abortedTransactions(0, 7));
        closeAll();
        manager = open();
        log = manager.getOrCreate("t", 0, COMPACTED);
        assertEquals(List.of(new AbortedTransaction(P2, 3, 4, 5)), log.transactions().abortedTransactions(0, 7),
                "the cleaned segment's .txnindex was written with it");

        clock.advance(DELETE_RETENTION_MS);
        fill(log, 20);
        assertTrue(manager.cleaner().cleanOnce());

        cleaned = everything(log).stream().filter(r -> Long.parseLong(r.split(":")[0]) < 7).toList();
        assertFalse(cleaned.contains("4:ABORT"), "past its delete horizon the lone marker goes: " + cleaned);
        assertTrue(cleaned.containsAll(List.of("1:k=committed", "2:COMMIT", "5:j=later", "6:COMMIT")),
                cleaned.toString());
        assertEquals(List.of(), log.transactions().abortedTransactions(0, 7),
                "its index entry goes with it, or readers would skip the producer's later records");
    }

    @Test
    void nothingAtOrPastTheLastStableOffsetIsCleaned() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        log.append(plain(clock.millis(), "k=old"));
        log.append(data(P1, 0, clock.millis(), "k=undecided"));
        fill(log, 30);
        List<String> before = everything(log);

        assertFalse(manager.cleaner().cleanOnce(), "the open transaction starts in the first segment");
        assertEquals(before, everything(log));

        log.append(marker(P1, true, clock.millis()));
        fill(log, 10);
        assertTrue(manager.cleaner().cleanOnce());
        List<String> after = everything(log);
        assertFalse(after.contains("0:k=old"), after.toString());
        assertTrue(after.contains("1:k=undecided"), "committed now, and the latest value of k");
    }

    @Test
    void anAbortedBatchThatIsItsProducersLastStaysAsAnEmptyBatchSoItsSequenceSurvivesAndNothingHangs() {
        LogManager manager = open();
        PartitionLog log = manager.getOrCreate("t", 0, COMPACTED);
        log.append(data(P1, 0, clock.millis(), "k=aborted"));       // 0
        log.append(marker(P1, false, clock.millis()));              // 1
        fill(log, 20);

        assertTrue(manager.cleaner().cleanOnce());

        List<String> cleaned = everything(log).subList(0, 2);
        assertEquals(List.of("0:empty", "1:ABORT"), cleaned, "the emptied batch keeps its transaction's marker");
        closeAll();
        PartitionLog reopened = open().getOrCreate("t", 0, COMPACTED);
        assertEquals(TransactionIndex.NONE_OPEN, reopened.transactions().firstUnstableOffset(),
                "the empty batch's transaction is closed by its marker");
        assertTrue(reopened.append(data(P1, 0, clock.millis(), "k=aborted")).duplicate(),
                "a retry of the producer's last batch is still recognised");
        long end = reopened.logEndOffset();
        assertEquals(end, reopened.append(data(P1, 1, clock.millis(), "k=next")).firstOffset(),
                "the next sequence follows the kept one");
    }
}
