package io.spindle.log;

import java.io.IOException;
import java.nio.file.Files;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered segments of one partition log and the offset range they hold: {@code [logStartOffset, logEndOffset)}.
 * The last segment is the active one (appends go there); every other one is sealed.
 *
 * <p>Invariants: segments are keyed by base offset and ascending; the first one's base is the log start offset
 * (or the log end, when every segment is gone); {@code logEndOffset} is the active segment's next offset once a write
 * is published. A segment removed from the set is released by its owner reference only: a reader that retained it
 * ({@link Segment#tryRetain}, e.g. through a {@link LogSlice}) keeps reading its mapping, which is unmapped when the
 * last reader releases it, even if its files are gone.
 *
 * <p>Threading: the changing methods run under the partition's write lock; the lookups ({@link #floor},
 * {@link #higher}, {@link #all}, the offsets) take no lock and see each change as a whole segment at a time: at every
 * instant every offset in {@code [logStartOffset, logEndOffset)} is held by the segment {@link #floor} returns or a
 * later one.
 */
final class Segments {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    /**
     * Told of each segment that leaves the writer's hands (sealed) or the set (removed), and of new files in the
     * directory: the {@link Durability} part keeps what still needs forcing. Runs under the write lock.
     */
    interface Changes {
        void sealed(Segment segment);

        void removed(Segment segment);

        void directoryChanged();

        /**
         * A write or fsync of {@code file} failed where data is at stake: takes the log offline and returns the
         * exception to throw.
         */
        LogOfflineException failed(String operation, Path file, Exception failure);

        /**
         * The first check of a segment loaded from its seal found it damaged ({@code problem}): takes the log offline
         * so that nothing more is served or appended, makes its next start recover the log batch by batch from that
         * segment on (which cuts it at the damage), and returns the exception to throw.
         */
        LogOfflineException damaged(Segment segment, String problem);
    }

    private final String name;
    private final Path dir;
    private final ConcurrentSkipListMap<Long, Segment> map = new ConcurrentSkipListMap<>();
    private Changes changes;
    private volatile Segment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;

    Segments(String name, Path dir) {
        this.name = name;
        this.dir = dir;
    }

    /** Set once, before the log is shared. */
    void listen(Changes changes) {
        this.changes = changes;
    }

    Path directory() {
        return dir;
    }

    long logStartOffset() {
        return logStartOffset;
    }

    long logEndOffset() {
        return logEndOffset;
    }

    Segment active() {
        return active;
    }

    /** The segment whose base offset is the greatest at or below {@code offset}, or null. */
    Segment floor(long offset) {
        Map.Entry<Long, Segment> entry = map.floorEntry(offset);
        return entry == null ? null : entry.getValue();
    }

    /** The first segment whose base offset is above {@code baseOffset}, or null. */
    Segment higher(long baseOffset) {
        Map.Entry<Long, Segment> entry = map.higherEntry(baseOffset);
        return entry == null ? null : entry.getValue();
    }

    /** The oldest segment, or null when there is none. */
    Segment first() {
        Map.Entry<Long, Segment> entry = map.firstEntry();
        return entry == null ? null : entry.getValue();
    }

    /** A live, ascending, unmodifiable view (weakly consistent: it may or may not show a concurrent change). */
    Collection<Segment> all() {
        return Collections.unmodifiableCollection(map.values());
    }

    /** The segments as they are now, ascending. */
    List<Segment> snapshot() {
        return List.copyOf(map.values());
    }

    int count() {
        return map.size();
    }

    /** Bytes of record batches held by all segments. */
    long sizeInBytes() {
        long total = 0;
        for (Segment s : map.values()) {
            total += s.size();
        }
        return total;
    }

    // ---- loading (before the log is shared)

    /** Adds a segment found on disk, in ascending order. */
    void add(Segment segment) {
        map.put(segment.baseOffset(), segment);
    }

    /** Ends the loading: the last segment becomes the active one. */
    void loaded(long startOffset, long endOffset) {
        active = map.lastEntry().getValue();
        logStartOffset = startOffset;
        logEndOffset = endOffset;
    }

    // ---- writing (write lock held)

    /**
     * Moves the log start offset up to {@code startOffset}, which lies in {@code (logStartOffset, logEndOffset]}: the
     * records below it are gone for readers even while their segment stays on disk.
     */
    void advanceStart(long startOffset) {
        logStartOffset = startOffset;
    }

    /** Makes offsets below {@code endOffset} readable: the caller has published their bytes in the active segment. */
    void advanceEnd(long endOffset) {
        logEndOffset = endOffset;
    }

    /**
     * Seals the active segment (or drops it if it holds nothing at the log end) and starts a new one at the log end
     * whose mapping holds {@code capacity} bytes.
     */
    Segment roll(int capacity) {
        Segment old = active;
        long base = logEndOffset;
        Segment fresh;
        if (!(old.isEmpty() && old.baseOffset() == base)) {
            try {
                old.seal();
            } catch (IOException | UncheckedIOException e) {
                // Sealing trims and fsyncs the segment. A failed fsync may have dropped pages the flusher's next
                // fsync of the same file would then report as forced: the log must take no more appends.
                throw changes.failed("sealing (trim and fsync) of", old.file(), e);
            }
            changes.sealed(old);
        }
        try {
            if (old.isEmpty() && old.baseOffset() == base) {
                map.remove(old.baseOffset());
                old.delete();
            }
            fresh = Segment.create(dir, base, capacity);
        } catch (IOException e) {
            // Nothing acknowledged is at stake: the old segment is sealed and queued for the flusher, whose fsync
            // takes the log offline if the disk is failing; the next append tries the roll again.
            throw new LogIOException(name + ": cannot roll to a new segment at offset " + base + " in " + dir
                    + ": " + e.getMessage(), e);
        }
        map.put(base, fresh);
        changes.directoryChanged();
        active = fresh;
        LOG.debug("{}: rolled to segment {}", name, fresh.file());
        return fresh;
    }

    /**
     * Deletes {@code segment}, which must be the oldest, and moves the log start offset to the next one (or to the
     * log end when none is left). Its files go now; its mapping when the last reader releases it.
     */
    void deleteOldest(Segment segment) throws IOException {
        map.remove(segment.baseOffset());
        Segment first = first();
        // Never backwards: DeleteRecords may have moved the start into the segment that is now the first.
        logStartOffset = first == null ? logEndOffset : Math.max(logStartOffset, first.baseOffset());
        changes.removed(segment);
        segment.delete();
    }

    /**
     * Puts {@code replacements} in the place of {@code old}, a contiguous run of sealed segments (for the log
     * cleaner). Offsets do not change: the replacements hold a subset of the old run's batches, the first of them
     * has the old run's first base offset, and all are sealed, forced and lie below the next segment kept.
     *
     * <p>Files: each replacement's files are already at their final names, forced, when this is called; where a
     * replacement has the base offset of an old segment it was renamed over that segment's file (the old segment
     * keeps its mapping of the old inode). This method deletes the files of the old segments whose names no
     * replacement took and forces the directory; it does not make the renames crash-safe (that is the caller's swap
     * protocol).
     *
     * <p>Readers: the replacements go in highest base first, then the old segments whose base offsets were not
     * reused come out, so a concurrent lookup always finds a segment holding its offset (old or new, each whole). A
     * reader that retained an old segment keeps reading it: it is released by its owner reference here and unmapped
     * when its last reader releases it.
     *
     * @throws IllegalArgumentException when {@code old} is not a contiguous run of sealed segments of this log, or a
     *                                  replacement lies outside the run's offsets
     */
    void replace(List<Segment> old, List<Segment> replacements) throws IOException {
        if (old.isEmpty() || replacements.isEmpty()) {
            throw new IllegalArgumentException(name + ": replacing " + old.size() + " segment(s) with "
                    + replacements.size() + ": both must hold at least one");
        }
        long firstBase = old.get(0).baseOffset();
        List<Segment> run = new ArrayList<>(old.size());
        for (Segment segment : map.tailMap(firstBase, true).values()) {
            if (run.size() == old.size()) {
                break;
            }
            run.add(segment);
        }
        if (!run.equals(old)) {
            throw new IllegalArgumentException(name + ": segments " + old + " are not a contiguous run of the log's "
                    + "segments starting at offset " + firstBase);
        }
        for (Segment segment : old) {
            if (segment == active || !segment.isSealed()) {
                throw new IllegalArgumentException(name + ": " + segment + " is not sealed; only sealed segments can be"
                        + " replaced");
            }
        }
        Segment after = higher(old.get(old.size() - 1).baseOffset());
        long limit = after == null ? Long.MAX_VALUE : after.baseOffset();
        if (replacements.get(0).baseOffset() != firstBase) {
            throw new IllegalArgumentException(name + ": the first replacement starts at offset "
                    + replacements.get(0).baseOffset() + ", not at the replaced run's first offset " + firstBase);
        }
        long previousEnd = Long.MIN_VALUE;
        Set<Long> reused = new HashSet<>();
        for (Segment segment : replacements) {
            // A replacement starting at the next kept segment's base would take its place in the map; one that
            // is an old segment itself would be released while still in it; overlapping ones would hide offsets.
            if (segment.baseOffset() < previousEnd || segment.baseOffset() >= limit || segment.nextOffset() > limit
                    || !segment.isSealed() || old.stream().anyMatch(o -> o == segment)) {
                throw new IllegalArgumentException(name + ": replacement " + segment + " is not sealed, overlaps the"
                        + " one before it, is one of the replaced segments, or does not end by offset " + limit);
            }
            previousEnd = segment.nextOffset();
            reused.add(segment.baseOffset());
        }
        for (int i = replacements.size() - 1; i >= 0; i--) {
            Segment segment = replacements.get(i);
            map.put(segment.baseOffset(), segment);
        }
        for (Segment segment : old) {
            if (!reused.contains(segment.baseOffset())) {
                map.remove(segment.baseOffset(), segment);
            }
        }
        IOException failedDelete = null;
        for (Segment segment : old) {
            changes.removed(segment);
            if (reused.contains(segment.baseOffset())) {
                segment.markDeleted(); // its file names belong to the replacement now
            } else {
                try {
                    segment.delete();
                } catch (IOException e) {
                    // Release the rest all the same, then report the first failure.
                    if (failedDelete == null) {
                        failedDelete = e;
                    } else {
                        failedDelete.addSuppressed(e);
                    }
                }
            }
        }
        try {
            Checkpoint.forceDirectory(dir);
        } catch (IOException | UncheckedIOException e) {
            // The renames of the swap may not be on disk: a later directory fsync could pass without them.
            throw changes.failed("directory fsync after a segment swap in", dir, e);
        }
        if (failedDelete != null) {
            throw failedDelete;
        }
    }

    /** Where a truncation cuts: in {@code segment} at {@code position}, so that the log ends at {@code endOffset}. */
    record Cut(Segment segment, int position, long endOffset) {
    }

    /**
     * Where {@link #truncate} would cut the log to remove every record at and after {@code offset}: at the batch
     * holding it, so the log ends at that batch's base offset. The offset must lie in {@code [logStartOffset,
     * logEndOffset)}.
     */
    Cut cutFor(long offset) {
        Segment segment = floor(offset);
        int position = segment == null ? -1 : segment.cutPosition(offset);
        if (position < 0) {
            throw new IllegalStateException(name + ": no batch holds offset " + offset + " in " + map.values());
        }
        return new Cut(segment, position, segment.header(position).baseOffset());
    }

    /**
     * Cuts the log as {@code cut} says: the log end comes down first (readers asking past it get out of range),
     * every later segment is deleted newest first (a crash leaves a prefix of the log, which the next load accepts),
     * the cut segment is replaced by a forced copy of its first bytes ({@link Segment#truncatedCopy}), which becomes
     * the active segment with a mapping of {@code capacity} bytes, and the directory is forced. Readers holding a
     * removed segment keep reading it until they release it.
     */
    void truncate(Cut cut, int capacity, int indexIntervalBytes, long nowMs) throws IOException {
        Segment target = cut.segment();
        logEndOffset = cut.endOffset();
        for (Segment later : List.copyOf(map.tailMap(target.baseOffset(), false).descendingMap().values())) {
            map.remove(later.baseOffset());
            changes.removed(later);
            later.delete();
        }
        Segment copy = target.truncatedCopy(cut.position(), capacity, indexIntervalBytes, nowMs);
        map.put(copy.baseOffset(), copy);
        active = copy;
        changes.removed(target);
        target.markDeleted(); // its file names belong to the copy now
        Checkpoint.forceDirectory(dir);
    }

    // ---- closing

    /**
     * Drops the owner references at a clean close: trims the active segment first, or with {@code keepLength} leaves
     * it at its preallocated length ({@link Segment#closeKeepingLength}).
     *
     * @param release with {@code keepLength}: whether the mappings and files go now; false only when the process
     *                ends right after, which releases them as it ends ({@link LogManager#closeForExit})
     */
    void closeAll(boolean keepLength, boolean release) throws IOException {
        for (Segment segment : map.values()) {
            if (keepLength) {
                segment.closeKeepingLength(release);
            } else {
                segment.close();
            }
        }
    }

    /**
     * Drops every owner reference and deletes the files from {@code movedTo}, where the partition's directory was
     * renamed, and the directory itself; readers holding segments keep them until they release them.
     */
    void deleteAll(Path movedTo) throws IOException {
        for (Segment segment : map.values()) {
            segment.markDeleted();
        }
        map.clear();
        try (Stream<Path> files = Files.list(movedTo)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(movedTo);
    }

    /** Drops every owner reference after a failed open. */
    void releaseAll() {
        for (Segment segment : map.values()) {
            segment.release();
        }
        map.clear();
    }
}
