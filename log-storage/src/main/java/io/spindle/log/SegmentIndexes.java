package io.spindle.log;

import static io.spindle.log.BatchHeader.HEADER_SIZE;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sparse {@code .index} (relative offset → position) and {@code .timeindex} (largest timestamp so far → relative
 * offset) of one segment ({@link SparseIndex}), and the rules that build them: an offset entry for the first batch and
 * then at most every {@code index.interval.bytes}, a time entry whenever a batch raises the segment's largest
 * timestamp. Index files are derived data, written when the segment is sealed: an active segment's entries live on the
 * heap only (a start rebuilds them from the batch headers it reads anyway), a sealed segment's files that do not hold
 * together at load are rebuilt from the batch headers, and a seal that cannot write them keeps them on the heap.
 *
 * <p>Threading: as {@link Segment} — changes under the partition's write lock (or a segment's first-use check, under
 * the segment's monitor); lookups through {@link #offsets()} and {@link #times()} may run concurrently.
 */
final class SegmentIndexes {
    private static final Logger LOG = LoggerFactory.getLogger(Segment.class);

    /** At most this many index entries per segment (10 MiB of offset index, as Kafka's default). */
    static final int MAX_INDEX_ENTRIES = (10 << 20) / 8;

    private final long baseOffset;
    private volatile SparseIndex offsets;
    private volatile SparseIndex times;
    private int bytesSinceEntry;

    /** Empty indexes on the heap for the segment at {@code baseOffset} in {@code dir}; nothing is read. */
    SegmentIndexes(Path dir, long baseOffset) {
        this.baseOffset = baseOffset;
        this.offsets = SparseIndex.offsetIndex(dir.resolve(Segment.fileName(baseOffset, ".index")), MAX_INDEX_ENTRIES);
        this.times = SparseIndex.timeIndex(dir.resolve(Segment.fileName(baseOffset, ".timeindex")), MAX_INDEX_ENTRIES);
    }

    /** Deletes the index files of the segment at {@code baseOffset} (a new segment takes its place). */
    static void deleteFiles(Path dir, long baseOffset) throws IOException {
        Files.deleteIfExists(dir.resolve(Segment.fileName(baseOffset, ".index")));
        Files.deleteIfExists(dir.resolve(Segment.fileName(baseOffset, ".timeindex")));
    }

    SparseIndex offsets() {
        return offsets;
    }

    SparseIndex times() {
        return times;
    }

    boolean isFull() {
        return offsets.isFull() || times.isFull();
    }

    /**
     * Adds the entries one batch at {@code position} calls for; returns the largest timestamp so far ({@code maxSoFar}
     * or the batch's).
     */
    long add(int position, int batchSize, long batchBaseOffset, long lastOffset, long batchMaxTimestamp, long maxSoFar,
             int indexIntervalBytes) {
        if (bytesSinceEntry >= indexIntervalBytes || offsets.entries() == 0) {
            offsets.append(lastOffset - baseOffset, position);
            bytesSinceEntry = 0;
        }
        bytesSinceEntry += batchSize;
        if (batchMaxTimestamp > maxSoFar) {
            times.append(batchMaxTimestamp, (int) (batchBaseOffset - baseOffset));
            return batchMaxTimestamp;
        }
        return maxSoFar;
    }

    /** Drops every entry (a walk that follows adds them again). */
    void clear() {
        offsets.clear();
        times.clear();
        bytesSinceEntry = 0;
    }

    /**
     * Takes the index files of a sealed segment when they hold together for the {@code end} bytes of {@code log}
     * (increasing keys, every offset entry at a batch ending at its offset) and maps them; otherwise leaves these
     * indexes empty for a rebuild.
     *
     * @return whether the files were taken
     */
    boolean loadIfSound(MappedRegion log, int end) throws IOException {
        SparseIndex loadedOffsets = SparseIndex.load(offsets.file(), 4, MAX_INDEX_ENTRIES, end, false);
        SparseIndex loadedTimes = loadedOffsets == null ? null
                : SparseIndex.load(times.file(), 8, MAX_INDEX_ENTRIES, Integer.MAX_VALUE, false);
        if (loadedOffsets != null && loadedTimes != null && (end == 0 || loadedOffsets.entries() > 0)
                && entriesPointAtBatches(log, loadedOffsets, loadedTimes, end)) {
            offsets = loadedOffsets;
            times = loadedTimes;
            bytesSinceEntry = 0;
            return true;
        }
        if (loadedOffsets != null) {
            loadedOffsets.close();
        }
        if (loadedTimes != null) {
            loadedTimes.close();
        }
        clear();
        return false;
    }

    /** Whether every offset index entry names the position of a batch ending at its offset, within [0, end). */
    private boolean entriesPointAtBatches(MappedRegion log, SparseIndex offsetEntries, SparseIndex timeEntries, int end) {
        BatchHeader batch = BatchHeader.at(log, 0, end);
        for (int i = 0; i < offsetEntries.entries(); i++) {
            int position = offsetEntries.value(i);
            if (position < 0 || batch.moveTo(position).available() < HEADER_SIZE
                    || batch.magic() != BatchHeader.CURRENT_MAGIC
                    || batch.lastOffset() - baseOffset != offsetEntries.key(i)) {
                return false;
            }
        }
        for (int i = 0; i < timeEntries.entries(); i++) {
            if (timeEntries.value(i) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes the index files of a sealed segment of {@code end} bytes when they hold together, and otherwise rebuilds
     * them from the batch headers and writes them.
     */
    void loadOrRebuildSealed(MappedRegion log, int end, int indexIntervalBytes) throws IOException {
        if (loadIfSound(log, end)) {
            return;
        }
        long max = -1;
        BatchWalk walk = BatchWalk.over(BatchHeader.at(log, 0, end), end);
        while (walk.next()) {
            BatchHeader batch = walk.header();
            max = add((int) batch.position(), (int) batch.sizeInBytes(), batch.baseOffset(), batch.lastOffset(),
                    batch.maxTimestamp(), max, indexIntervalBytes);
        }
        sealStrictly();
    }

    /** Writes and maps both files; a failure to write them is the caller's. */
    void sealStrictly() throws IOException {
        offsets.seal();
        times.seal();
    }

    /**
     * Writes and maps both files at a roll; a full disk while writing one leaves it on the heap (see
     * {@link SparseIndex#sealOrKeepOnHeap}) and is logged, naming {@code segmentFile}.
     */
    void seal(Path segmentFile) {
        sealOrKeepOnHeap(offsets, segmentFile);
        sealOrKeepOnHeap(times, segmentFile);
    }

    private static void sealOrKeepOnHeap(SparseIndex index, Path segmentFile) {
        IOException failure = index.sealOrKeepOnHeap();
        if (failure != null) {
            LOG.warn("{}: cannot write the index {} ({}); lookups use it from memory and the next start rebuilds it",
                    segmentFile, index.file(), failure.getMessage());
        }
    }

    void deleteFiles() throws IOException {
        Files.deleteIfExists(offsets.file());
        Files.deleteIfExists(times.file());
    }

    void close() {
        offsets.close();
        times.close();
    }
}
