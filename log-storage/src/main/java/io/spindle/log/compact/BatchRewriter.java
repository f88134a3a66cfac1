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
 *       batch header) the first time it is rewritten; once a later rewrite runs past that horizon, its tombstones
 *       are removed whatever the predicate says. So a tombstone lives at least {@code delete.retention.ms} after
 *       the clean that first reached it.</li>
 * </ul>
 * Transactional batches and control batches (commit and abort markers) are copied whole, whatever the predicate
 * says: cleaning that knows which transactions were aborted (Kafka drops their records, and the markers once no
 * longer needed) is not implemented, and dropping a committed value for an aborted later one would lose it for
 * read_committed consumers. {@link SegmentCleaner} does not map their keys either.
 *
 * <p>Not thread-safe (it reuses decompression buffers); one per cleaner thread.
 */
public final class BatchRewriter {

    /** Whether one record stays. */
    @FunctionalInterface
    public interface RecordPredicate {
        /**
         * @param key       a view of the record's key bytes (not to be written through), or null when it has none
         * @param tombstone true when the record has a key and no value
         */
        boolean retain(long offset, ByteBuffer key, boolean tombstone, long timestamp);
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
        byte[] in = batches.array();
        int batchStart = batches.arrayOffset() + (int) batch.position();
        int start = output.position();
        output.put(in, batchStart, BatchHeader.HEADER_SIZE);
        long baseTimestamp = batch.baseTimestamp();
        long maxTimestamp = -1;
        int kept = 0;
        records.reset(batches, batch);
        while (records.next()) {
            if (records.isTombstone()) {
                output.position(start);
                return NOT_IN_PLACE;
            }
            ByteBuffer key = records.hasKey() ? ByteBuffer.wrap(in, records.keyStart(), records.keyLength()) : null;
            long timestamp = baseTimestamp + records.timestampDelta();
            if (predicate.retain(records.offset(), key, false, timestamp)) {
                output.put(in, records.recordStart(), records.recordEnd() - records.recordStart());
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
            output.position(start).put(in, batchStart, size);      // whole: byte for byte
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
                          long now, long deleteRetentionMs, int maxRecordBytes) {
        RecordFilter filter = new RecordFilter(now, deleteRetentionMs) {
            @Override
            protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
                boolean keep = empty.keepWhenEmpty(batch.hasProducerId() ? batch.producerId() : -1, batch.lastOffset());
                return new BatchRetentionResult(keep ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                        false);
            }

            @Override
            protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
                if (batch.isTransactional() || batch.isControlBatch()) {
                    return true;        // no transaction-aware cleaning yet: see the class comment
                }
                boolean tombstone = record.hasKey() && !record.hasValue();
                if (tombstone) {
                    OptionalLong horizon = batch.deleteHorizonMs();
                    if (horizon.isPresent() && horizon.getAsLong() <= now) {
                        return false;
                    }
                }
                ByteBuffer key = record.hasKey() ? record.key().asReadOnlyBuffer() : null;
                return predicate.retain(record.offset(), key, tombstone, record.timestamp());
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
            int kept = batches.hasArray() ? rewriteInPlace(batches, batch, written, predicate, empty) : NOT_IN_PLACE;
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
