package io.spindle.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Whole record batches read from one segment, exactly as stored, without copying them onto the heap.
 *
 * <p>The bytes leave without a copy as a file region ({@link #channel()}, {@link #filePosition()},
 * {@link #sizeInBytes()}, e.g. for sendfile). A slice holds a reference on its segment, so retention may delete the
 * segment's files while the slice is alive but unmaps them only after {@link #close()}. Close every
 * slice exactly once (further calls are no-ops); {@link #EMPTY} needs no closing.
 *
 * <p>{@code firstOffset} is the base offset of the first batch, which may be lower than the offset
 * asked for (a read returns the whole batch that holds it, as Kafka does).
 */
public final class LogSlice implements AutoCloseable {
    /** A read at the log end offset: no bytes. */
    public static final LogSlice EMPTY = new LogSlice(null, -1, 0, 0, -1);

    private final Segment segment;
    private final long firstOffset;
    private final long position;
    private final int size;
    private final long nextOffset;
    private final AtomicBoolean closed = new AtomicBoolean();

    LogSlice(Segment segment, long firstOffset, long position, int size, long nextOffset) {
        this.segment = segment;
        this.firstOffset = firstOffset;
        this.position = position;
        this.size = size;
        this.nextOffset = nextOffset;
    }

    /** Base offset of the first batch in the slice, or -1 when empty. */
    public long firstOffset() {
        return firstOffset;
    }

    /** The offset after the last record in the slice, or -1 when empty. */
    public long nextOffset() {
        return nextOffset;
    }

    public int sizeInBytes() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The segment's file channel, for a file region; valid until {@link #close()}. Do not close it. */
    public FileChannel channel() {
        requireOpen();
        return segment.channel();
    }

    /** Where the slice starts in {@link #channel()}. */
    public long filePosition() {
        return position;
    }

    /** Copies the slice's bytes into {@code destination} (tests, tools and the internal offsets topic). */
    public void copyTo(ByteBuffer destination) {
        requireOpen();
        segment.copyTo(position, size, destination);
    }

    /** Writes the slice to {@code target} with FileChannel.transferTo (sendfile where the OS has it). */
    public long transferTo(WritableByteChannel target) {
        requireOpen();
        long done = 0;
        try {
            while (done < size) {
                done += segment.channel().transferTo(position + done, size - done, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("transfer from " + segment.file() + " failed", e);
        }
        return done;
    }

    /**
     * The same slice without the batches at or past {@code endOffset}: this slice itself when it ends at or before
     * it; otherwise a new slice that takes over this one's reference (this one must not be used or closed after),
     * or {@link #EMPTY} when even the first batch reaches past it (then this one is closed). Batches are kept
     * whole, so a batch that starts below {@code endOffset} and ends past it is left out too. A read_committed
     * fetch cuts its slice at the last stable offset this way.
     */
    public LogSlice cutAt(long endOffset) {
        return nextOffset <= endOffset ? this : keepWhile(batch -> batch.nextOffset() <= endOffset);
    }

    /**
     * The same slice without the batches after the one holding {@code lastOffset}: this slice itself when its last
     * batch holds it (or ends before it); otherwise, as {@link #cutAt}, a new slice that takes over this one's
     * reference, or {@link #EMPTY} when {@code lastOffset} is below the first batch. A share fetch that acquired
     * records up to {@code lastOffset} sends no batch past it.
     */
    public LogSlice cutAfter(long lastOffset) {
        return nextOffset <= lastOffset + 1 ? this : keepWhile(batch -> batch.baseOffset() <= lastOffset);
    }

    /** The leading batches for which {@code keep} holds, as {@link #cutAt} hands them over. */
    private LogSlice keepWhile(Predicate<BatchHeader> keep) {
        if (segment == null) {
            return this;
        }
        requireOpen();
        BatchHeader batch = segment.header(position);
        long limit = position;
        long end = position + size;
        long next = -1;
        while (limit < end) {
            batch.moveTo(limit);
            if (!keep.test(batch)) {
                break;
            }
            next = batch.nextOffset();
            limit += batch.sizeInBytes();
        }
        if (limit == end) {
            return this;
        }
        if (limit == position) {
            close();
            return EMPTY;
        }
        // The reference passes to the new slice: mark this one closed without releasing the segment.
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException("slice of " + segment.file() + " used after close");
        }
        return new LogSlice(segment, firstOffset, position, (int) (limit - position), next);
    }

    /**
     * Calls {@code visitor} with a header on each batch of the slice, in order (one cursor, moved from batch to
     * batch; valid only during the call). For scans that need the headers only, such as rebuilding a partition's
     * transactions at load, without copying the records.
     */
    public void forEachBatch(Consumer<BatchHeader> visitor) {
        if (segment == null) {
            return;
        }
        requireOpen();
        BatchHeader batch = segment.header(position);
        long at = position;
        long end = position + size;
        while (at < end) {
            visitor.accept(batch.moveTo(at));
            at += batch.sizeInBytes();
        }
    }

    /** A heap copy of the whole batch {@code header} points at (a header handed out by {@link #forEachBatch}). */
    public ByteBuffer copyBatch(BatchHeader header) {
        requireOpen();
        int length = (int) header.sizeInBytes();
        ByteBuffer copy = ByteBuffer.allocate(length);
        segment.copyTo(header.position(), length, copy);
        return copy.flip();
    }

    private void requireOpen() {
        if (segment == null) {
            throw new IllegalStateException("empty slice has no bytes");
        }
        if (closed.get()) {
            throw new IllegalStateException("slice of " + segment.file() + " used after close");
        }
    }

    @Override
    public void close() {
        if (segment != null && closed.compareAndSet(false, true)) {
            segment.release();
        }
    }

    @Override
    public String toString() {
        return segment == null ? "LogSlice[empty]"
                : "LogSlice[" + segment.file().getFileName() + " @" + position + " +" + size + " offsets " + firstOffset + ".." + (nextOffset - 1) + "]";
    }
}
