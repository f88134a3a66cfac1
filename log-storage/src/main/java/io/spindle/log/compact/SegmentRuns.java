package io.spindle.log.compact;

import io.spindle.log.BatchHeader;
import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;

/**
 * The whole batches of a sealed segment file, read with positional {@link FileChannel} reads into one direct buffer
 * kept across files, handed out in runs of about a megabyte (a larger batch alone): the unit in which the cleaner
 * reports its I/O, so the rate cap and the pacer act per run.
 *
 * <p>What is read is the segment as its log knows it: {@link SegmentFile#sizeInBytes()} bytes from position 0, every
 * one of them inside a batch. A file shorter than that, when it is opened or at any read after (a truncation by
 * another process, a disk fault: nothing in the broker shrinks a sealed segment in place), fails with an
 * IOException naming the file and both sizes: the clean is abandoned before anything is swapped. A mapping read
 * instead made the JVM turn the SIGBUS of a read past the new end into an InternalError, raised at a safepoint poll
 * that could lie outside the cleaner's catch or inside the JDK's unmapper (docs/durability.md). Within the size, a
 * length running past it or shorter than a batch header ends the batches, as it always did.
 *
 * <p>Memory: one buffer of {@link #RUN_BYTES}, grown to the largest batch met when one is larger and kept (so a log
 * of large batches does not allocate one per batch); a read copies each byte once, from the page cache into it.
 *
 * <p>Not thread-safe: one per {@link SegmentCleaner}. A run is valid until the next {@link #next} or {@link #open}.
 */
final class SegmentRuns implements AutoCloseable {
    static final int RUN_BYTES = 1 << 20;

    private ByteBuffer buffer = ByteBuffer.allocateDirect(RUN_BYTES);
    /** For the length of a batch whose header starts in the buffer but is not all in it (a run's lookahead). */
    private final ByteBuffer length = ByteBuffer.allocateDirect(Integer.BYTES);
    private SegmentFile segment;
    private FileChannel channel;
    /** File position of buffer position 0: where the next run starts. */
    private long position;
    /** Bytes of the buffer read from the file at {@link #position}. */
    private int filled;
    private boolean ended;

    /**
     * Opens {@code segment} (closing the previous one) at its first batch.
     *
     * @return this, to be closed when the pass leaves the segment
     *
     * @throws NoSuchFileException unwrapped, when the file is gone (retention deleted it meanwhile)
     * @throws IOException         naming the file, when it cannot be opened or is shorter than its log knows it
     */
    SegmentRuns open(SegmentFile segment) throws IOException {
        close();
        this.segment = segment;
        try {
            channel = FileChannel.open(segment.path(), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("cannot open " + segment.path() + " to clean it: " + e.getMessage(), e);
        }
        position = 0;
        filled = 0;
        ended = false;
        long size = sizeNow();
        if (size < segment.sizeInBytes()) {
            throw shrunk(0, size);
        }
        return this;
    }

    /** The next run of whole batches, positions from 0 (a slice of the buffer), or null after the last. */
    ByteBuffer next() throws IOException {
        if (ended) {
            return null;
        }
        fill((int) Math.min(RUN_BYTES, segment.sizeInBytes() - position));
        long first = wholeBatchAt(0);
        if (first < 0) {
            ended = true;
            return null;
        }
        if (first > filled) {
            if (first > buffer.capacity()) {
                buffer = ByteBuffer.allocateDirect((int) first);
            }
            fill((int) first);
        }
        int end = 0;
        long batch = first;
        do {
            end += (int) batch;
        } while ((batch = wholeBatchAt(end)) >= 0 && end + batch <= Math.min(filled, RUN_BYTES));
        ended = batch < 0;
        position += end;
        return buffer.slice(0, end);
    }

    /** True when the run {@link #next} last gave holds the segment's last whole batch. */
    boolean lastRun() {
        return ended;
    }

    /**
     * The size of the whole batch at buffer position {@code at}, or -1 when none starts there (fewer bytes left in
     * the segment than a batch header, or a length that is too short or runs past the segment).
     */
    private long wholeBatchAt(int at) throws IOException {
        long left = segment.sizeInBytes() - (position + at);
        if (left < BatchHeader.HEADER_SIZE) {
            return -1;
        }
        int batchLength;
        if (at + BatchHeader.LOG_OVERHEAD <= filled) {
            batchLength = buffer.getInt(at + BatchHeader.LOG_OVERHEAD - Integer.BYTES);
        } else {
            length.clear();
            readFully(length, position + at + BatchHeader.LOG_OVERHEAD - Integer.BYTES);
            batchLength = length.getInt(0);
        }
        long size = BatchHeader.LOG_OVERHEAD + (long) batchLength;
        return size < BatchHeader.HEADER_SIZE || size > left ? -1 : size;
    }

    /** Reads {@code bytes} bytes of the file at {@link #position} into the buffer from 0. */
    private void fill(int bytes) throws IOException {
        ByteBuffer into = buffer.clear().limit(bytes);
        readFully(into, position);
        filled = bytes;
    }

    private void readFully(ByteBuffer into, long at) throws IOException {
        long from = at - into.position();
        while (into.hasRemaining()) {
            long here = from + into.position();
            int read;
            try {
                read = channel.read(into, here);
            } catch (IOException e) {
                throw new IOException("cannot read " + segment.path() + " at position " + here + " to clean it: "
                        + e.getMessage(), e);
            }
            if (read <= 0) {
                throw shrunk(here, sizeNow());
            }
        }
    }

    private long sizeNow() throws IOException {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new IOException("cannot tell the size of " + segment.path() + ": " + e.getMessage(), e);
        }
    }

    private IOException shrunk(long at, long size) {
        return new IOException("cannot clean " + segment.path() + ": the file is " + size + " bytes long where its"
                + " log holds " + segment.sizeInBytes() + " (it shrank under the cleaner" + (at > 0 ? ", found by a"
                + " read at position " + at : "") + "); the clean is abandoned and the log left as it was");
    }

    /** Closes the file; the buffer stays for the next {@link #open}. */
    @Override
    public void close() throws IOException {
        FileChannel open = channel;
        channel = null;
        if (open != null) {
            open.close();
        }
    }
}
