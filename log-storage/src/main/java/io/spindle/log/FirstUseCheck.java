package io.spindle.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The checks a segment taken at the word of its {@link SegmentSeal} still owes (or the part of an active segment below
 * the recovery point, described by a seal-like summary whose headers recovery already walked), run once each, as a start ran them on
 * every segment before seals: first (before anything reads its batches or indexes, {@link #ensureHeaders}) every batch
 * header whole, magic 2, offsets continuing from the base offset, ending exactly where the seal says with the offset it
 * says, and the index files, rebuilt from the headers if they do not hold together; then (on the background check's
 * thread, {@link #checkContent}) every batch's CRC32C. Damage found by either deletes the seal, is reported to the
 * log ({@link Segments.Changes#damaged}, which takes it offline so that its next start cuts it there) and fails every
 * later use of the segment the same way.
 *
 * <p>Threading: callers race freely; each check runs under this object's monitor and the others wait for it. Reading
 * the state is a volatile read, so the segment's read path pays nothing once the checks are done.
 */
final class FirstUseCheck {
    private final Segment segment;
    private final MappedRegion log;
    private final SegmentIndexes indexes;
    private final SegmentSeal seal;
    private final boolean offsetHoles;
    private final int indexIntervalBytes;
    private final Segments.Changes changes;
    private volatile boolean headersChecked;
    private volatile boolean contentChecked;
    /** Why a check failed, once one has: every later use fails the same way. */
    private volatile RuntimeException damage;

    FirstUseCheck(Segment segment, MappedRegion log, SegmentIndexes indexes, SegmentSeal seal, boolean offsetHoles,
                  int indexIntervalBytes, Segments.Changes changes, boolean headersChecked) {
        this.headersChecked = headersChecked;
        this.segment = segment;
        this.log = log;
        this.indexes = indexes;
        this.seal = seal;
        this.offsetHoles = offsetHoles;
        this.indexIntervalBytes = indexIntervalBytes;
        this.changes = changes;
    }

    /** Whether both checks ran and passed. */
    boolean isDone() {
        return contentChecked;
    }

    /**
     * Checks the headers and indexes, once; cheap after the first call.
     *
     * @throws LogOfflineException when the segment is damaged
     */
    void ensureHeaders() {
        if (headersChecked && damage == null) {
            return;
        }
        synchronized (this) {
            if (damage != null) {
                throw damage;
            }
            if (headersChecked) {
                return;
            }
            String problem = walk(false);
            if (problem == null) {
                try {
                    indexes.loadOrRebuildSealed(log, (int) seal.sizeInBytes(), indexIntervalBytes);
                } catch (IOException | UncheckedIOException e) {
                    problem = "cannot load or rebuild its indexes: " + e.getMessage();
                }
            }
            if (problem != null) {
                throw damaged(problem);
            }
            headersChecked = true;
        }
    }

    /**
     * Checks every batch's CRC32C (after {@link #ensureHeaders}), once: the bytes are still the bytes that were sealed.
     * Reads do not wait for it.
     *
     * @throws LogOfflineException as {@link #ensureHeaders}
     */
    void checkContent() {
        ensureHeaders();
        if (contentChecked) {
            return;
        }
        synchronized (this) {
            if (contentChecked) {
                return;
            }
            String problem = walk(true);
            if (problem != null) {
                throw damaged(problem);
            }
            contentChecked = true;
        }
    }

    private LogOfflineException damaged(String problem) {
        Path dir = segment.file().getParent();
        try {
            SegmentSeal.delete(dir, seal.baseOffset());
        } catch (IOException e) {
            problem += "; its seal " + SegmentSeal.file(dir, seal.baseOffset()) + " could not be deleted: "
                    + e.getMessage();
        }
        LogOfflineException offline = changes.damaged(segment, problem);
        damage = offline;
        return offline;
    }

    /** Walks the batches as the seal describes them, with or without their CRCs: null when sound, else the problem. */
    private String walk(boolean crc) {
        int end = (int) seal.sizeInBytes();
        long base = seal.baseOffset();
        // The mapping itself, read-only: a second mapping per segment would stay until a GC unmaps it.
        BatchWalk walk = crc ? BatchWalk.over(BatchHeader.at(log.readOnlyView(end), 0), end).checkingCrc()
                : BatchWalk.over(BatchHeader.at(log, 0, end), end);
        walk.expectingBaseOffset(base);
        if (offsetHoles) {
            walk.allowingOffsetHoles();
        }
        while (walk.next()) {
            // only the checks
        }
        if (walk.problem() != null) {
            return "the batch at offset " + walk.nextOffset() + " has " + walk.describeProblem();
        }
        long next = walk.batches() == 0 ? base : walk.nextOffset();
        if (next != seal.nextOffset()) {
            return "its batches end at offset " + next + ", its seal (or the recovery point) says " + seal.nextOffset();
        }
        return null;
    }
}
