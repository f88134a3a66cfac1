package io.spindle.log;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The read side of one partition log: slices of whole batches by offset, and the timestamp searches of ListOffsets.
 *
 * <p>Threading: takes no lock. It reads up to the volatile log end, which the writer stores only after the bytes
 * below it are published, and holds each segment it reads with {@link Segment#tryRetain} so that retention,
 * truncation or a cleaner's swap cannot unmap it underneath; a segment already released is looked up again.
 */
final class LogReader {
    private final String name;
    private final Segments segments;
    private final Runnable ensureOpen;
    private final LongAdder bytesRead = new LongAdder();

    /** {@code ensureOpen} throws {@link LogClosedException} once the log is closed. */
    LogReader(String name, Segments segments, Runnable ensureOpen) {
        this.name = name;
        this.segments = segments;
        this.ensureOpen = ensureOpen;
    }

    long bytesRead() {
        return bytesRead.sum();
    }

    /** See {@link PartitionLog#read}. */
    LogSlice read(long fromOffset, int maxBytes) {
        while (true) {
            long end = segments.logEndOffset();
            long start = segments.logStartOffset();
            if (fromOffset == end) {
                return LogSlice.EMPTY;
            }
            if (fromOffset < start || fromOffset > end) {
                throw new OffsetOutOfRangeException(name + ": offset " + fromOffset + " is outside the log ["
                        + start + ", " + end + ")");
            }
            Segment segment = segments.floor(fromOffset);
            if (segment == null || !segment.tryRetain()) {
                ensureOpen.run();
                continue; // retention removed it meanwhile: check the bounds again
            }
            int size = segment.size();
            int position = segment.positionOf(fromOffset, size);
            if (position < 0) {
                segment.release();
                Segment later = segments.higher(segment.baseOffset());
                if (later == null) {
                    return LogSlice.EMPTY;
                }
                fromOffset = Math.max(fromOffset, later.baseOffset());
                continue;
            }
            LogSlice slice = segment.slice(position, maxBytes, size);
            bytesRead.add(slice.sizeInBytes());
            return slice;
        }
    }

    /** See {@link PartitionLog#offsetForTimestamp}. */
    TimestampAndOffset offsetForTimestamp(long timestamp) {
        for (Segment segment : segments.all()) {
            if (segment.maxTimestamp() < timestamp || !segment.tryRetain()) {
                continue;
            }
            try {
                int position = segment.positionOfTimestamp(timestamp, segment.size());
                if (position < 0) {
                    continue;
                }
                return findRecord(segment, position, ts -> ts >= timestamp);
            } finally {
                segment.release();
            }
        }
        return null;
    }

    /** See {@link PartitionLog#maxTimestamp}. */
    TimestampAndOffset maxTimestamp() {
        Segment best = null;
        for (Segment segment : segments.all()) {
            if (segment.maxTimestamp() >= 0 && (best == null || segment.maxTimestamp() > best.maxTimestamp())) {
                best = segment;
            }
        }
        if (best == null || !best.tryRetain()) {
            return null;
        }
        try {
            long max = best.maxTimestamp();
            int position = best.positionOf(best.offsetOfMaxTimestamp(), best.size());
            return position < 0 ? null : findRecord(best, position, ts -> ts >= max);
        } finally {
            best.release();
        }
    }

    /** Decodes the batch at {@code position} (decompressing it if needed) for the first record whose timestamp matches. */
    private static TimestampAndOffset findRecord(Segment segment, int position, LongPredicate matches) {
        int size = (int) segment.header(position).sizeInBytes();
        ByteBuffer copy = ByteBuffer.allocate(size);
        segment.copyTo(position, size, copy);
        copy.flip();
        for (RecordBatch batch : MemoryRecords.readableRecords(copy).batches()) {
            boolean appendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
            for (Record record : batch) {
                long timestamp = appendTime ? batch.maxTimestamp() : record.timestamp();
                if (matches.test(timestamp)) {
                    return new TimestampAndOffset(timestamp, record.offset());
                }
            }
        }
        return null;
    }
}
