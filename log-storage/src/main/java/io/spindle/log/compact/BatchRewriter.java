package io.spindle.log.compact;

import java.nio.ByteBuffer;
import java.util.OptionalLong;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecords.FilterResult;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter.BatchRetention;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter.BatchRetentionResult;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;

/**
 * Rewrites v2 record batches keeping only the records a {@link RecordPredicate} retains, the way Kafka's cleaner
 * does, through kafka-clients' {@code MemoryRecords.filterTo}:
 * <ul>
 *   <li>offsets never change: a rewritten batch keeps its base offset and its last offset delta (so the producer's
 *       last sequence stays what it was) and each record keeps its offset, leaving holes;</li>
 *   <li>producer id, epoch, base sequence, partition leader epoch, timestamp type and codec are kept; a compressed
 *       batch is decompressed and compressed again with its codec; the CRC is computed anew;</li>
 *   <li>a batch whose records are all retained and that needs no delete horizon is copied byte for byte;</li>
 *   <li>a batch left with no record disappears, unless {@link EmptyBatchPolicy} keeps it (a producer's last batch:
 *       its sequence must survive for the idempotent producer), then its header alone is written;</li>
 *   <li>a batch holding a tombstone gets a delete horizon ({@code now + deleteRetentionMs}, KIP-534's field in the
 *       batch header) the first time it is rewritten; a later rewrite past that horizon tells the predicate so
 *       ({@code pastDeleteHorizon}), and the predicate decides: a tombstone may go only once no older record of its
 *       key can remain, which only the cleaner knows (a tombstone past the range its key map covers must stay, or
 *       the older value it hides would come back). So a tombstone lives at least {@code delete.retention.ms} after
 *       the clean that first reached it.</li>
 * </ul>
 * Transactions ({@link CleanedTransactions}, as Kafka's cleaner treats them): the records of a committed transaction
 * are cleaned like any others; a batch of an aborted one loses all its records (and goes, unless kept empty as
 * above); a COMMIT or ABORT marker stays while a batch of its transaction is still written before it, and once it is
 * alone it gets a delete horizon the first time and goes (its records, or the whole batch) when a later rewrite runs
 * past that horizon.
 *
 * <p>Not thread-safe (it reuses decompression buffers); one per cleaner thread.
 */
public final class BatchRewriter {

    /** Whether one record stays. */
    @FunctionalInterface
    public interface RecordPredicate {
        /**
         * @param key               the record's key (a read-only view), or null when it has none
         * @param tombstone         true when the record has a key and no value
         * @param pastDeleteHorizon true for a tombstone whose batch's delete horizon has passed: it may go
         */
        boolean retain(long offset, ByteBuffer key, boolean tombstone, boolean pastDeleteHorizon, long timestamp);
    }

    /** Whether a batch that lost all its records is kept as an empty batch (its header alone). */
    @FunctionalInterface
    public interface EmptyBatchPolicy {
        /** @param producerId the batch's producer id, or -1 when it has none */
        boolean keepWhenEmpty(long producerId, long lastOffset);
    }

    /** What one call did. */
    public record Result(ByteBuffer output, int recordsRead, int recordsRetained, int bytesRead, int bytesWritten) {
    }

    private final BufferSupplier decompression = BufferSupplier.create();

    /**
     * Rewrites the whole batches between {@code batches}' position and limit (left unchanged) into {@code output}.
     *
     * @param output           where the retained batches go from its position on; a bigger buffer is used when it
     *                         is too small, so take {@link Result#output()} (flipped: position 0, limit at the end)
     * @param now              the time compared with delete horizons and used to set new ones, in milliseconds
     * @param deleteRetentionMs delete.retention.ms of the topic
     * @param maxRecordBytes   the largest record body a compressed batch may hold: a bound on what one lying
     *                         length in decompressed data makes the cleaner allocate
     */
    public Result rewrite(ByteBuffer batches, ByteBuffer output, RecordPredicate predicate, EmptyBatchPolicy empty,
                          CleanedTransactions transactions, long now, long deleteRetentionMs, int maxRecordBytes) {
        RecordFilter filter = new RecordFilter(now, deleteRetentionMs) {
            /** Every record of the current batch goes: an aborted transaction's, or a marker past its horizon. */
            private boolean discardRecords;
            /** The current batch is transactional data: a record kept means its transaction keeps data. */
            private boolean transactionalData;

            @Override
            protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
                long producerId = batch.hasProducerId() ? batch.producerId() : -1;
                boolean keep = empty.keepWhenEmpty(producerId, batch.lastOffset());
                boolean markerAlone = false;
                transactionalData = batch.isTransactional() && !batch.isControlBatch();
                if (batch.isControlBatch()) {
                    markerAlone = transactions.markerAlone(producerId);
                    OptionalLong horizon = batch.deleteHorizonMs();
                    discardRecords = markerAlone && horizon.isPresent() && horizon.getAsLong() <= now;
                } else {
                    discardRecords = transactionalData && transactions.isAborted(producerId, batch.baseOffset());
                    if (transactionalData && keep) {
                        transactions.dataKept(producerId);     // written even if emptied
                    }
                }
                BatchRetention retention = keep ? BatchRetention.RETAIN_EMPTY
                        : discardRecords ? BatchRetention.DELETE : BatchRetention.DELETE_EMPTY;
                // A lone marker kept now gets its delete horizon (filterTo sets it when it has none).
                return new BatchRetentionResult(retention, markerAlone);
            }

            @Override
            protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
                if (discardRecords) {
                    return false;
                }
                if (batch.isControlBatch()) {
                    return true;
                }
                boolean retained = retainsRecord(batch, record);
                if (retained && transactionalData) {
                    transactions.dataKept(batch.producerId());
                }
                return retained;
            }

            private boolean retainsRecord(RecordBatch batch, Record record) {
                boolean tombstone = record.hasKey() && !record.hasValue();
                OptionalLong horizon = batch.deleteHorizonMs();
                boolean expired = tombstone && horizon.isPresent() && horizon.getAsLong() <= now;
                ByteBuffer key = record.hasKey() ? record.key().asReadOnlyBuffer() : null;
                return predicate.retain(record.offset(), key, tombstone, expired, record.timestamp());
            }
        };
        // filterTo stops after the batch that made it grow the output buffer: go on from there.
        ByteBuffer remaining = batches.duplicate();
        ByteBuffer written = output;
        int read = 0;
        int retained = 0;
        while (remaining.hasRemaining()) {
            FilterResult result = MemoryRecords.readableRecords(remaining.slice())
                    .filterTo(filter, written, decompression, maxRecordBytes);
            if (result.bytesRead() == 0) {
                break;          // what is left is not a whole batch; the caller hands whole batches only
            }
            remaining.position(remaining.position() + result.bytesRead());
            written = result.outputBuffer();
            read += result.messagesRead();
            retained += result.messagesRetained();
        }
        written.flip();
        return new Result(written, read, retained, remaining.position() - batches.position(), written.remaining());
    }
}
