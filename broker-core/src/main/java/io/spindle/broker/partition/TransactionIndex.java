package io.spindle.broker.partition;

import io.spindle.log.BatchHeader;
import io.spindle.log.LogSlice;
import io.spindle.log.PartitionLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The transactions of one partition: which producers have a transaction open here and from which offset (the
 * first offset of the earliest one bounds the last stable offset), and which transactions were aborted, from
 * their first offset to their ABORT marker (what a read_committed fetch is told to skip).
 *
 * <p>Kept in memory and rebuilt from the log's batch headers when the partition opens ({@link #rebuild}): a
 * transactional data batch opens its producer's transaction if none is open, a COMMIT or ABORT marker (control
 * batch) closes it. Aborted transactions wholly below the log start offset are dropped.
 *
 * <p>It also keeps, per producer, the coordinator epoch of its last marker here: a marker from an older
 * coordinator epoch is refused (Kafka's TRANSACTION_COORDINATOR_FENCED), and DescribeProducers shows it.
 *
 * <p>Threading: changed by the partition's writer thread only; {@link #firstUnstableOffset()},
 * {@link #abortedBetween}, {@link #openTransactionStart} and {@link #coordinatorEpoch} are read from any thread. The first unstable offset is published before the batch that
 * opens a transaction is appended, so a reader that sees the batch under the high watermark sees it too.
 */
final class TransactionIndex {
    /** Nothing open: the last stable offset is the high watermark. */
    static final long NONE_OPEN = Long.MAX_VALUE;
    private static final int REBUILD_READ_BYTES = 8 * 1024 * 1024;

    /** No marker of the producer seen here: its coordinator epoch is unknown, as Kafka reports it. */
    static final int NO_COORDINATOR_EPOCH = -1;

    private final Map<Long, Long> openByProducer = new ConcurrentHashMap<>();
    private final Map<Long, Integer> coordinatorEpochByProducer = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, AbortedTransaction> abortedByMarker = new ConcurrentSkipListMap<>();
    private volatile long firstUnstableOffset = NONE_OPEN;

    /** The first offset of the earliest open transaction, or {@link #NONE_OPEN}. */
    long firstUnstableOffset() {
        return firstUnstableOffset;
    }

    /** Open transactions (for meters and tests). */
    int openCount() {
        return openByProducer.size();
    }

    /**
     * Before a transactional batch of {@code producerId} is appended at {@code offset}: opens its transaction here
     * unless one is open. Returns whether it opened one (undo it with {@link #forget} if the append does not
     * happen).
     */
    boolean openIfAbsent(long producerId, long offset) {
        if (openByProducer.putIfAbsent(producerId, offset) != null) {
            return false;
        }
        if (offset < firstUnstableOffset) {
            firstUnstableOffset = offset;
        }
        return true;
    }

    /** Takes back an {@link #openIfAbsent} whose batch was not appended (or was a retry of one already there). */
    void forget(long producerId) {
        openByProducer.remove(producerId);
        firstUnstableOffset = earliestOpen();
    }

    /** The first offset of {@code producerId}'s open transaction here, or -1 when it has none. */
    long openTransactionStart(long producerId) {
        return openByProducer.getOrDefault(producerId, -1L);
    }

    /** The highest coordinator epoch of {@code producerId}'s markers here, or {@link #NO_COORDINATOR_EPOCH}. */
    int coordinatorEpoch(long producerId) {
        return coordinatorEpochByProducer.getOrDefault(producerId, NO_COORDINATOR_EPOCH);
    }

    /**
     * A COMMIT or ABORT marker of {@code producerId}, from a coordinator at {@code coordinatorEpoch}, was appended at
     * {@code markerOffset}.
     */
    void close(long producerId, long markerOffset, boolean commit, int coordinatorEpoch) {
        // The highest seen: the coordinator's own markers (epoch 0) do not lower what a client's marker raised.
        coordinatorEpochByProducer.merge(producerId, coordinatorEpoch, Math::max);
        Long first = openByProducer.remove(producerId);
        if (first == null) {
            return;     // the producer wrote nothing here in this transaction
        }
        if (!commit) {
            abortedByMarker.put(markerOffset, new AbortedTransaction(producerId, first, markerOffset));
        }
        firstUnstableOffset = earliestOpen();
    }

    /**
     * The aborted transactions a read_committed consumer needs for the records in [{@code from}, {@code to}): those
     * whose ABORT marker is at or after {@code from} and whose first offset is below {@code to}, by marker offset.
     */
    List<AbortedTransaction> abortedBetween(long from, long to) {
        List<AbortedTransaction> found = new ArrayList<>();
        for (AbortedTransaction aborted : abortedByMarker.tailMap(from, true).values()) {
            if (aborted.firstOffset() < to) {
                found.add(aborted);
            }
        }
        return found;
    }

    /** Forgets aborted transactions whose marker is below {@code logStartOffset} (retention deleted them). */
    void dropBefore(long logStartOffset) {
        abortedByMarker.headMap(logStartOffset, false).clear();
    }

    /** Reads every batch header of {@code log} once, from its start, to learn its open and aborted transactions. */
    void rebuild(PartitionLog log) {
        openByProducer.clear();
        coordinatorEpochByProducer.clear();
        abortedByMarker.clear();
        firstUnstableOffset = NONE_OPEN;
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            try (LogSlice slice = log.read(offset, REBUILD_READ_BYTES)) {
                if (slice.isEmpty()) {
                    break;
                }
                slice.forEachBatch(batch -> {
                    if (!batch.isTransactional() || !batch.hasProducerId()) {
                        return;
                    }
                    if (!batch.isControl()) {
                        openIfAbsent(batch.producerId(), batch.baseOffset());
                        return;
                    }
                    EndTransactionMarker marker = endTransactionMarker(slice.copyBatch(batch));
                    if (marker != null) {
                        close(batch.producerId(), batch.baseOffset(), marker.controlType() == ControlRecordType.COMMIT,
                                marker.coordinatorEpoch());
                    }
                });
                offset = slice.nextOffset();
            }
        }
    }

    /** The COMMIT or ABORT marker a control batch holds, or null when it holds another control record. */
    static EndTransactionMarker endTransactionMarker(ByteBuffer controlBatch) {
        for (RecordBatch batch : MemoryRecords.readableRecords(controlBatch).batches()) {
            for (Record record : batch) {
                ControlRecordType type = ControlRecordType.parse(record.key());
                return type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT
                        ? EndTransactionMarker.deserialize(record) : null;
            }
        }
        return null;
    }

    private long earliestOpen() {
        long earliest = NONE_OPEN;
        for (long first : openByProducer.values()) {
            earliest = Math.min(earliest, first);
        }
        return earliest;
    }

    /** Whether {@code header} is a transactional data batch (not a marker). */
    static boolean isTransactionalData(BatchHeader header) {
        return header.isTransactional() && !header.isControl() && header.hasProducerId();
    }
}
