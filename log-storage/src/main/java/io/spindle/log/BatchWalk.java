package io.spindle.log;

import static io.spindle.log.BatchHeader.CURRENT_MAGIC;
import static io.spindle.log.BatchHeader.HEADER_SIZE;
import static io.spindle.log.BatchHeader.LOG_OVERHEAD;

/**
 * A walk over record batches laid back to back from a start position to an end: the one place that decides
 * whether the next bytes are a batch. Every walk checks that a whole header fits, that the magic is 2, that the
 * batch length is sane and ends within the bytes, and that the last offset delta is not negative; on request
 * also the CRC32C ({@link #checkingCrc}), that base offsets continue one another ({@link #expectingBaseOffset}) or, in
 * a compacted log, at least go up ({@link #allowingOffsetHoles}),
 * and that zeros mean the end of a preallocated file rather than damage ({@link #endingAtZeros}).
 *
 * <pre>{@code
 * BatchWalk walk = BatchWalk.over(header, end).checkingCrc();
 * while (walk.next()) { BatchHeader batch = walk.header(); ... }
 * if (walk.problem() != null) { ... walk.validEnd(), walk.describeProblem() ... }
 * }</pre>
 *
 * Who walks: an append checks the producer's batches before anything is written; recovery checks a segment
 * that the checkpoint does not vouch for; loading checks that a vouched-for segment's headers hold together
 * and then reads them; the producer state is rebuilt from them. Reads of the published log trust the headers
 * (they were walked when written or loaded) and use {@link BatchHeader} alone.
 *
 * <p>Not thread-safe; allocates nothing per batch.
 */
final class BatchWalk {
    /** Why a walk stopped before its end. */
    enum Problem {
        /** Fewer bytes left than a batch header, and not all zeros. */
        TRUNCATED_HEADER,
        /** Magic other than 2: an older message format or garbage. */
        UNSUPPORTED_MAGIC,
        /** A batch length too small for a header, or running past the end. */
        BAD_LENGTH,
        /** A negative last offset delta. */
        BAD_OFFSET_DELTA,
        /** A base offset that does not continue the batch before it (with holes allowed: that goes back). */
        OFFSET_GAP,
        /** The stored CRC32C does not match the batch's bytes. */
        CRC_MISMATCH
    }

    private final BatchHeader header;
    private final long end;
    private boolean checkCrc;
    private boolean endAtZeros;
    private long expectedBaseOffset = -1;
    private boolean allowHoles;

    private long validEnd;
    private long nextOffset = -1;
    private int batches;
    private boolean finished;
    private Problem problem;
    private String detail;

    private BatchWalk(BatchHeader header, long end) {
        this.header = header;
        this.end = end;
        this.validEnd = header.position();
    }

    /** A walk from {@code header}'s position to {@code end}; it moves {@code header} from batch to batch. */
    static BatchWalk over(BatchHeader header, long end) {
        return new BatchWalk(header, end);
    }

    /** Also checks each batch's CRC32C (the header must be over a buffer). */
    BatchWalk checkingCrc() {
        this.checkCrc = true;
        return this;
    }

    /** Also checks that the first batch starts at {@code baseOffset} and each later one where the one before ends. */
    BatchWalk expectingBaseOffset(long baseOffset) {
        this.expectedBaseOffset = baseOffset;
        this.nextOffset = baseOffset;
        return this;
    }

    /**
     * With {@link #expectingBaseOffset}: accepts a batch starting past where the one before ended (and a first batch
     * past the base offset), refusing only offsets that go back. Compaction removes whole batches and leaves their
     * offsets unused, so a compacted log has such holes, as in Kafka. Only for logs whose policy compacts: elsewhere
     * a hole means a damaged base offset (it lies outside the CRC), which the strict check catches.
     */
    BatchWalk allowingOffsetHoles() {
        this.allowHoles = true;
        return this;
    }

    /**
     * Treats a header of zeros (base offset and length 0), or a too-short tail of zeros, as the clean end of the
     * batches: what follows the last batch in a preallocated segment file.
     */
    BatchWalk endingAtZeros() {
        this.endAtZeros = true;
        return this;
    }

    /**
     * Moves to the next batch and checks it. True when there is one and it passed (read it through
     * {@link #header()}); false at the end, or at the first batch that failed ({@link #problem()} says why, and
     * the header is left on it).
     */
    boolean next() {
        if (finished) {
            return false;
        }
        long at = validEnd;
        header.moveTo(at);
        long left = end - at;
        if (left <= 0) {
            return finish(null, null);
        }
        if (left < HEADER_SIZE) {
            return endAtZeros && zeros(at, left) ? finish(null, null)
                    : finish(Problem.TRUNCATED_HEADER, left + " bytes, too few for a batch header");
        }
        int length = header.batchLength();
        if (endAtZeros && length == 0 && header.baseOffset() == 0) {
            return finish(null, null);
        }
        byte magic = header.magic();
        if (magic != CURRENT_MAGIC) {
            return finish(Problem.UNSUPPORTED_MAGIC, "magic " + magic + " (only v2, magic 2, is supported)");
        }
        long size = header.sizeInBytes();
        if (length < HEADER_SIZE - LOG_OVERHEAD || size > left) {
            return finish(Problem.BAD_LENGTH, "a batch length of " + length + " where " + left + " bytes are left");
        }
        int lastOffsetDelta = header.lastOffsetDelta();
        if (lastOffsetDelta < 0) {
            return finish(Problem.BAD_OFFSET_DELTA, "a last offset delta of " + lastOffsetDelta);
        }
        long baseOffset = header.baseOffset();
        if (expectedBaseOffset >= 0 && (allowHoles ? baseOffset < expectedBaseOffset : baseOffset != expectedBaseOffset)) {
            return finish(Problem.OFFSET_GAP, "base offset " + baseOffset + " where " + expectedBaseOffset
                    + " was expected");
        }
        if (checkCrc) {
            int computed = header.computeCrc();
            if (computed != header.crc()) {
                return finish(Problem.CRC_MISMATCH, "a CRC32C of " + Integer.toUnsignedString(header.crc())
                        + " that does not match its content (" + Integer.toUnsignedString(computed) + ")");
            }
        }
        validEnd = at + size;
        nextOffset = baseOffset + lastOffsetDelta + 1;
        if (expectedBaseOffset >= 0) {
            expectedBaseOffset = nextOffset;
        }
        batches++;
        return true;
    }

    private boolean finish(Problem problem, String detail) {
        this.finished = true;
        this.problem = problem;
        this.detail = detail;
        return false;
    }

    private boolean zeros(long from, long length) {
        for (long p = from; p < from + length; p++) {
            if (header.byteAt(p) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The batch {@link #next()} stopped at. */
    BatchHeader header() {
        return header;
    }

    /** Where the last batch that passed ends (the start, before the first). */
    long validEnd() {
        return validEnd;
    }

    /** The offset after the last batch that passed; before any, the expected base offset or -1. */
    long nextOffset() {
        return nextOffset;
    }

    /** How many batches passed. */
    int batches() {
        return batches;
    }

    /** Why the walk stopped short of its end; null while it goes on and when it reached the end. */
    Problem problem() {
        return problem;
    }

    /** The problem in words, naming the position ("a CRC32C mismatch at position 4096"); null without one. */
    String describeProblem() {
        return problem == null ? null : detail + " at position " + header.position();
    }
}
