package io.spindle.log.compact;

import io.spindle.log.BatchHeader;
import java.nio.ByteBuffer;
import java.util.OptionalLong;
import java.util.zip.CRC32C;
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
 * does: an uncompressed batch without tombstones, transactions or control records by copying its kept records' bytes
 * behind a copy of its header (see {@code rewriteInPlace}: the record bytes stay as they were, deltas and all),
 * every other batch through kafka-clients' {@code MemoryRecords.filterTo}, which decodes and encodes its records:
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
         * @param key               a view of the record's key bytes (not to be written through), or null when it has
         *                          none; valid only during the call: the rewrite reuses one view for every record
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
    private final RecordKeys records = new RecordKeys();
    private final CRC32C crc = new CRC32C();
    /**
     * The key view handed to the predicate for each record of an in-place rewrite, re-pointed per record instead of
     * made anew: a view per record was most of the clean's garbage (about 50 MB of short-lived heap per GiB cleaned,
     * which the JVM met by growing the heap, RssAnon up by about 68 MiB during a clean; docs/benchmarks.md).
     */
    private ByteBuffer keyView = ByteBuffer.allocate(0);
    /** The buffer {@link #keyView} views. */
    private ByteBuffer keyViewOf;

    /** {@link #rewriteInPlace}: this batch needs kafka-clients' filterTo. */
    private static final int NOT_IN_PLACE = Integer.MIN_VALUE;
    /** {@link #rewriteInPlace}: the output has no room for the batch. */
    private static final int NO_ROOM = -1;
    /** Attributes bit 6: the batch carries a delete horizon in its base timestamp (KIP-534). */
    private static final short DELETE_HORIZON_FLAG = 0x40;

    /**
     * Rewrites an uncompressed v2 batch without transactions, control records or tombstones by copying the bytes of
     * the records it keeps after a copy of its header, whose length, record count, max timestamp and CRC are then
     * set: its base offset, last offset delta, base timestamp and producer fields stay, so each kept record's
     * offset and timestamp deltas stay valid as they are. A batch kept whole is a byte-for-byte copy. Everything
     * else goes to filterTo: compressed batches, tombstones (delete horizons), and a batch left empty that the
     * policy keeps. Saves kafka-clients' record objects and re-encoding, most of the rewrite's time, and reads the
     * records with the cursor the key map already ran hot.
     *
     * @return the records kept, {@link #NOT_IN_PLACE} (nothing written), or {@link #NO_ROOM} (nothing written)
     */
    private int rewriteInPlace(ByteBuffer batches, BatchHeader batch, ByteBuffer output, RecordPredicate predicate,
                               EmptyBatchPolicy empty) {
        short attributes = batch.attributes();
        if (batch.magic() != BatchHeader.CURRENT_MAGIC || batch.isCompressed() || batch.isTransactional()
                || batch.isControl() || (attributes & DELETE_HORIZON_FLAG) != 0) {
            return NOT_IN_PLACE;
        }
        if (!output.hasArray()) {
            return NOT_IN_PLACE;
        }
        int size = (int) batch.sizeInBytes();
        if (output.remaining() < size) {
            return NO_ROOM;
        }
        int batchStart = (int) batch.position();
        int start = output.position();
        output.put(start, batches, batchStart, BatchHeader.HEADER_SIZE).position(start + BatchHeader.HEADER_SIZE);
        long baseTimestamp = batch.baseTimestamp();
        long maxTimestamp = -1;
        int kept = 0;
        records.reset(batches, batch);
        while (records.next()) {
            if (records.isTombstone()) {
                output.position(start);
                return NOT_IN_PLACE;
            }
            ByteBuffer key = records.hasKey() ? keyView(batches, records.keyStart(), records.keyLength()) : null;
            long timestamp = baseTimestamp + records.timestampDelta();
            if (predicate.retain(records.offset(), key, false, false, timestamp)) {
                int length = records.recordEnd() - records.recordStart();
                output.put(output.position(), batches, records.recordStart(), length)
                        .position(output.position() + length);
                maxTimestamp = Math.max(maxTimestamp, timestamp);
                kept++;
            }
        }
        if (kept == 0) {
            output.position(start);
            return empty.keepWhenEmpty(batch.hasProducerId() ? batch.producerId() : -1, batch.lastOffset())
                    ? NOT_IN_PLACE : 0;
        }
        if (kept == batch.recordCount()) {
            output.put(start, batches, batchStart, size).position(start + size);      // whole: byte for byte
        } else {
            int end = output.position();
            output.putInt(start + 8, end - start - BatchHeader.LOG_OVERHEAD);
            output.putInt(start + BatchHeader.HEADER_SIZE - 4, kept);
            if (!batch.hasLogAppendTime()) {
                output.putLong(start + 35, maxTimestamp);
            }
            crc.reset();
            crc.update(output.array(), output.arrayOffset() + start + 21, end - start - 21);
            output.putInt(start + 17, (int) crc.getValue());
        }
        return kept;
    }

    private ByteBuffer keyView(ByteBuffer in, int start, int length) {
        if (keyViewOf != in) {
            keyView = in.duplicate();       // once per run of batches handed in, not per record
            keyViewOf = in;
        }
        keyView.clear().position(start).limit(start + length);
        return keyView;
    }

    private static ByteBuffer grow(ByteBuffer output, int atLeast) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(output.capacity() * 2, output.position() + atLeast));
        output.flip();
        return bigger.put(output);
    }

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
        ByteBuffer written = output;
        int read = 0;
        int retained = 0;
        int at = batches.position();
        BatchHeader batch = BatchHeader.at(batches, at);
        while (batches.limit() - at >= BatchHeader.HEADER_SIZE) {
            batch.moveTo(at);
            int size = (int) batch.sizeInBytes();
            if (size < BatchHeader.HEADER_SIZE || size > batches.limit() - at) {
                break;          // not a whole batch; the caller hands whole batches only
            }
            int kept = rewriteInPlace(batches, batch, written, predicate, empty);
            if (kept == NO_ROOM) {
                written = grow(written, size);
                kept = rewriteInPlace(batches, batch, written, predicate, empty);
            }
            if (kept == NOT_IN_PLACE) {
                // filterTo stops after the batch that made it grow the output buffer: hand it one batch at a time.
                FilterResult result = MemoryRecords.readableRecords(batches.slice(at, size))
                        .filterTo(filter, written, decompression, maxRecordBytes);
                written = result.outputBuffer();
                read += result.messagesRead();
                retained += result.messagesRetained();
            } else {
                read += batch.recordCount();
                retained += kept;
            }
            at += size;
        }
        written.flip();
        return new Result(written, read, retained, at - batches.position(), written.remaining());
    }
}
