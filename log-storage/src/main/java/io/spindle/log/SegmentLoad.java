package io.spindle.log;

import static io.spindle.log.BatchHeader.HEADER_SIZE;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a segment file an earlier run left becomes a {@link Segment}: taken at its seal's word, trusted below the
 * recovery point (its batch headers checked, its CRCs left for later), or recovered batch by batch and cut at the
 * first invalid batch.
 *
 * <p>Threading: runs before the log is shared (or, for a truncation's copy and a cleaned segment, under the
 * partition's write lock), on the opening thread.
 */
final class SegmentLoad {
    private SegmentLoad() {
    }

    /**
     * What {@link #recover} found: the valid end, where its batch-by-batch walk began, the next offset, what it cut, and
     * how many batches it validated one by one.
     */
    record Recovery(int validEnd, int walkedFrom, long nextOffset, long droppedBytes, String reason,
                    int validatedBatches) {
    }

    /**
     * Opens a sealed segment on the word of its {@code seal} (which agrees with the file's length): its size, offsets
     * and largest timestamp come from the seal and nothing of the file is read. Its batches and index files are
     * checked on the first use that reads them ({@link FirstUseCheck}); damage found then is reported to
     * {@code changes} ({@link Segments.Changes#damaged}), which takes the log offline.
     */
    static Segment openSealed(Path dir, SegmentSeal seal, boolean offsetHoles, int indexIntervalBytes,
                              Segments.Changes changes) throws IOException {
        Segment segment = Segment.open(dir, seal.baseOffset(), seal.sizeInBytes());
        segment.loadedFromSeal(seal);
        segment.checkOnFirstUse(new FirstUseCheck(segment, segment.region(), segment.indexes(), seal, offsetHoles,
                indexIntervalBytes, changes, false));
        return segment;
    }

    /**
     * Opens a segment the cleaner wrote and the swap installed ({@code <base>.log}, forced, whole batches, offsets with
     * holes) as a sealed segment, building its indexes from its batch headers.
     */
    static Segment openCleaned(Path dir, long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
        Path file = dir.resolve(Segment.fileName(baseOffset, ".log"));
        long length = Files.size(file);
        if (length > Integer.MAX_VALUE) {
            throw new IOException("cleaned segment " + file + " has " + length + " bytes, more than a segment holds");
        }
        Segment segment = Segment.open(dir, baseOffset, length);
        try {
            if (nextOffsetIfHeadersHoldTogether(segment, (int) length, true) < 0) {
                throw new IOException("the batch headers of cleaned segment " + file + " do not hold together");
            }
            loadTrusted(segment, (int) length, false, indexIntervalBytes, nowMs);
        } catch (IOException | RuntimeException e) {
            segment.release();
            throw e;
        }
        return segment;
    }

    /**
     * Validates the batches from the recovery point on (length, magic, CRC32C, offsets continuing), re-indexes the
     * valid ones, and cuts the log at the first invalid one: its bytes up to the file length (or the torn batch's
     * claimed end, on a preallocated file) are zeroed so a later append cannot be mistaken for them. With
     * {@code offsetHoles} (a compacted log) batches may leave offsets unused.
     *
     * <p>The batches below {@code recoveryPoint} were forced before the checkpoint said so: when their headers hold
     * together and end exactly at it, they are indexed from their headers alone and their CRCs are left to the
     * background check, as a sealed segment's ({@link FirstUseCheck}, reported to {@code changes}); otherwise (or with
     * a recovery point at or below the base offset) every batch is validated from position 0.
     */
    static Recovery recover(Segment segment, long recoveryPoint, int indexIntervalBytes, long nowMs,
                            boolean offsetHoles, Segments.Changes changes) throws IOException {
        MappedRegion log = segment.region();
        long baseOffset = segment.baseOffset();
        long limit = segment.fileLengthAtOpen();
        segment.resetIndexes();
        int from = 0;
        long fromOffset = baseOffset;
        if (recoveryPoint > baseOffset) {
            BatchWalk prefix = BatchWalk.over(BatchHeader.at(log, 0, limit), limit).expectingBaseOffset(baseOffset);
            if (offsetHoles) {
                prefix.allowingOffsetHoles();
            }
            // Stops at the recovery point: no page past it is touched through the mapping.
            while (prefix.nextOffset() < recoveryPoint && prefix.next()) {
                BatchHeader batch = prefix.header();
                segment.recordBatch((int) batch.position(), (int) batch.sizeInBytes(), batch.baseOffset(),
                        batch.lastOffset(), batch.maxTimestamp(), indexIntervalBytes, nowMs);
            }
            if (prefix.problem() == null && prefix.nextOffset() == recoveryPoint) {
                from = (int) prefix.validEnd();
                fromOffset = recoveryPoint;
                segment.checkOnFirstUse(new FirstUseCheck(segment, log, segment.indexes(), new SegmentSeal(baseOffset,
                        recoveryPoint, from, segment.maxTimestamp(), segment.offsetOfMaxTimestamp()), offsetHoles,
                        indexIntervalBytes, changes, true));
            } else {
                segment.resetIndexes();
            }
        }
        int[] validated = new int[1];
        TailWalk.Outcome walk = TailWalk.walk(log.channel(), segment.file(), from, limit, fromOffset, offsetHoles,
                (batch, at) -> {
                    validated[0]++;
                    segment.recordBatch(at, (int) batch.sizeInBytes(), batch.baseOffset(), batch.lastOffset(),
                            batch.maxTimestamp(), indexIntervalBytes, nowMs);
                });
        int position = (int) walk.validEnd();
        if (position == from) {
            // Nothing kept past the recovery point: the .txnindex on disk covers the markers below it (forced with the
            // segment), so it is read and checked against the segment instead of rebuilt (a file fsync, a rename and
            // a directory fsync per log). An entry past the log end fails that check and rebuilds it all the same.
            segment.txnIndex().reloadFromDisk();
        }
        long dropped = 0;
        if (walk.problem() != null) {
            // A file shorter than its mapping was trimmed when sealed: all of its rest is invalid. A preallocated
            // one has zeros past the torn batch, which ends where its length says (or its header would).
            long claimedEnd = walk.problem() == BatchWalk.Problem.TRUNCATED_HEADER ? limit
                    : Math.min(limit, position + Math.max(walk.failedBatchSize(), HEADER_SIZE));
            long cutEnd = limit < log.capacity() ? limit : claimedEnd;
            dropped = Math.max(0, cutEnd - position);
            if (dropped > 0) {
                log.zero(position, dropped);
            }
        }
        segment.loaded(position, walk.nextOffset(), Math.min(limit, log.capacity()));
        return new Recovery(position, from, walk.nextOffset(), dropped, walk.reason(), validated[0]);
    }

    /**
     * The offset of the batch after the last one when the batch headers in [0, end) hold together — each one
     * whole, magic 2, its base offset continuing the previous batch, the last ending exactly at {@code end} —
     * and -1 otherwise. Reads headers only (no CRC), so it is cheap enough for every segment the checkpoint
     * vouches for; it keeps a file that was cut, padded or overwritten since from being walked blindly (such a
     * walk read past the mapping and crashed the JVM). With {@code offsetHoles} offsets may be left unused.
     */
    static long nextOffsetIfHeadersHoldTogether(Segment segment, int end, boolean offsetHoles) {
        BatchWalk walk = BatchWalk.over(BatchHeader.at(segment.region(), 0, end), end)
                .expectingBaseOffset(segment.baseOffset());
        if (offsetHoles) {
            walk.allowingOffsetHoles();
        }
        while (walk.next()) {
            // only the checks
        }
        return walk.problem() == null ? walk.nextOffset() : -1;
    }

    /**
     * Takes a segment that an earlier run wrote completely (below the recovery point) at {@code end}, after
     * {@link #nextOffsetIfHeadersHoldTogether} said its headers do. A sealed one's index files are trusted when they
     * hold together and rebuilt from the batch headers otherwise (returns false then). An {@code active} one's indexes
     * are always built from its batch headers, which this walk reads anyway for the offsets and timestamps: its index
     * files are written only when it is sealed (see {@link Segment#closeKeepingLength}).
     */
    static boolean loadTrusted(Segment segment, int end, boolean active, int indexIntervalBytes, long nowMs)
            throws IOException {
        segment.loaded(end, segment.nextOffset(), end);
        boolean fromFiles = !active && segment.indexes().loadIfSound(segment.region(), end);
        if (active) {
            // Not resetIndexes: the .txnindex is not derived from the walk below, and an invalidated one is rebuilt
            // through a file fsync, a rename and a directory fsync.
            segment.indexes().clear();
        } else if (!fromFiles) {
            segment.resetIndexes();
        }
        // Walk the headers for the offsets, the timestamps and (when not from the files) the index entries.
        segment.resetTimestamps();
        BatchWalk walk = BatchWalk.over(segment.header(0), end);
        while (walk.next()) {
            BatchHeader batch = walk.header();
            if (fromFiles) {
                segment.trackTimestamps(batch.baseOffset(), batch.maxTimestamp(), nowMs);
            } else {
                segment.recordBatch((int) batch.position(), (int) batch.sizeInBytes(), batch.baseOffset(),
                        batch.lastOffset(), batch.maxTimestamp(), indexIntervalBytes, nowMs);
            }
        }
        segment.loaded(end, walk.batches() == 0 ? segment.baseOffset() : walk.nextOffset(), end);
        if (!active) {
            segment.loadedSealed();
            if (!fromFiles) {
                segment.indexes().sealStrictly();
            }
        }
        return active || fromFiles;
    }
}
