package io.spindle.log;

import static io.spindle.log.BatchHeader.HEADER_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The walk of recovery over the part of a segment file that the recovery point does not vouch for: every batch checked
 * as {@link BatchWalk} checks it (CRC32C included, base offsets continuing, zeros ending a preallocated file), read
 * with positioned reads into a heap buffer, {@code CHUNK} bytes at a time, instead of through the segment's mapping.
 *
 * <p>Why not the mapping: the first touch of a mapped page past the data of a preallocated segment makes the kernel
 * read ahead through the unwritten extents, zero-filling page after page (80 % of a 5,000-partition start after a
 * kill -9 was {@code memset} under {@code filemap_fault}, about 10 ms per partition; docs/benchmarks.md). A read
 * stops at the chunk it asked for.
 *
 * <p>Not thread-safe; runs at load, before the log is shared.
 */
final class TailWalk {
    /** Bytes read at a time at most; a batch larger than this is read whole. */
    private static final int CHUNK = 256 << 10;
    /**
     * Bytes of the first read, grown to {@link #CHUNK} while the batches go on: after a crash most logs hold nothing
     * past their recovery point, and a first read of {@code CHUNK} (allocated, zeroed, then filled with the
     * preallocated file's zeros) per log was a third of a start's CPU with 5,000 partitions.
     */
    private static final int FIRST_CHUNK = 8 << 10;

    /** Told of each valid batch: {@code batch} is positioned in a buffer, {@code position} is its place in the file. */
    interface Visitor {
        void batch(BatchHeader batch, int position);
    }

    /** Where the walk stopped, the offset after the last valid batch, and why it stopped short (null at a clean end). */
    record Outcome(long validEnd, long nextOffset, BatchWalk.Problem problem, String reason, long failedBatchSize) {
    }

    private TailWalk() {
    }

    /**
     * Walks from {@code from} (a batch boundary whose batch starts at {@code expectedOffset}) to {@code limit} bytes of
     * {@code channel}, calling {@code visitor} for each valid batch.
     */
    static Outcome walk(FileChannel channel, Path file, long from, long limit, long expectedOffset, boolean offsetHoles,
                        Visitor visitor) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(FIRST_CHUNK, Math.max(0, limit - from)));
        long position = from;
        long expected = expectedOffset;
        long next = expectedOffset;
        while (true) {
            int n = read(channel, file, buffer, position, limit);
            boolean more = position + n < limit;
            BatchWalk walk = BatchWalk.over(BatchHeader.at(buffer, 0), n).checkingCrc().expectingBaseOffset(expected)
                    .endingAtZeros();
            if (offsetHoles) {
                walk.allowingOffsetHoles();
            }
            while (walk.next()) {
                visitor.batch(walk.header(), (int) (position + walk.header().position()));
            }
            long valid = walk.validEnd();
            if (walk.batches() > 0) {
                next = walk.nextOffset();
            }
            long left = n - valid;
            // Stopped only because the chunk ended (a header or batch cut by the chunk's end, not by the file's)?
            boolean cutByChunk = more && (left < HEADER_SIZE && (walk.problem() == null
                    || walk.problem() == BatchWalk.Problem.TRUNCATED_HEADER)
                    || walk.problem() == BatchWalk.Problem.BAD_LENGTH && walk.header().batchLength() > 0
                    && walk.header().sizeInBytes() > left && position + valid + walk.header().sizeInBytes() <= limit);
            if (cutByChunk) {
                long needed = left < HEADER_SIZE ? HEADER_SIZE : walk.header().sizeInBytes();
                long wanted = Math.max(needed, valid > 0 ? grown(buffer) : buffer.capacity());
                if (wanted > buffer.capacity()) {
                    buffer = ByteBuffer.allocate((int) wanted);
                }
                position += valid;
                expected = next;
                continue;
            }
            if (walk.problem() == null && valid == n && more) {
                position += n;
                expected = next;
                if (grown(buffer) > buffer.capacity()) {
                    buffer = ByteBuffer.allocate(grown(buffer));
                }
                continue;
            }
            long failedSize = walk.problem() == null || walk.problem() == BatchWalk.Problem.TRUNCATED_HEADER ? 0
                    : walk.header().sizeInBytes();
            String reason = walk.problem() == null ? null
                    : walk.describeProblem().replaceAll("at position \\d+$", "at position " + (position + valid));
            return new Outcome(position + valid, next, walk.problem(), reason, failedSize);
        }
    }

    /** The size of the next read while the batches go on: four times the last, up to {@link #CHUNK}. */
    private static int grown(ByteBuffer buffer) {
        return Math.max(buffer.capacity(), Math.min(CHUNK, buffer.capacity() * 4));
    }

    /** Reads up to a buffer's worth from {@code position}, short of {@code limit}; returns how many bytes it holds. */
    private static int read(FileChannel channel, Path file, ByteBuffer buffer, long position, long limit)
            throws IOException {
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), limit - position));
        while (buffer.hasRemaining()) {
            int r = channel.read(buffer, position + buffer.position());
            if (r < 0) {
                break;    // the file is shorter than it was at open: what is missing is not there to walk
            }
        }
        int n = buffer.position();
        buffer.clear();
        return n;
    }
}
