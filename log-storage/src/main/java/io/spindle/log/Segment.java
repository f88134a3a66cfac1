package io.spindle.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One file of a partition log: {@code <20-digit base offset>.log}, memory-mapped, holding Kafka v2 record
 * batches back to back exactly as the wire carried them, with a sparse {@code .index} and
 * {@code .timeindex} beside it, and the {@code .txnindex} of the transactions aborted in it ({@link TxnIndex}).
 *
 * <p>Invariants: every offset in the segment is at least {@code baseOffset}; batches are contiguous from
 * position 0 to {@link #size()}; bytes past {@code size()} are not part of the log (zeros, or a torn tail
 * that recovery has not cut yet). The active segment's file is preallocated to its mapping capacity and
 * trimmed to {@code size()} when it is sealed or closed alone; a broker's clean shutdown leaves it preallocated and
 * records its size ({@link CleanShutdown}). How a file an earlier run left becomes a segment is {@link SegmentLoad}'s.
 *
 * <p>Threading: {@link #reserve}, {@link #write}, {@link #index}, {@link #publish} and {@link #seal} run under
 * the partition's write lock.
 * Readers hold a reference ({@link #tryRetain}/{@link #release}) and see the segment up to the volatile
 * {@code size}, which is stored only after the bytes it covers. The mapping is released when the last
 * reference goes, so retention can delete a segment that a reader still holds.
 */
final class Segment {
    /**
     * Disk blocks are reserved ahead of the write position in growing steps: the first is {@link #FIRST_RESERVATION},
     * each next one as large as all reserved before it, up to {@link #MAX_RESERVATION}. A busy partition reaches
     * the full step within its first megabytes; an idle one holds 64 KiB, not 16 MiB — with a fixed 16 MiB step,
     * 1,000 partitions that took one record each held 16 GB of disk, and 10,000 filled this machine's disk.
     */
    private static final long FIRST_RESERVATION = 64L << 10;
    private static final long MAX_RESERVATION = 16L << 20;

    private final Path dir;
    private final long baseOffset;
    private final Path logFile;
    private final MappedRegion log;
    private final long fileLengthAtOpen;
    private final SegmentIndexes indexes;
    private final TxnIndex txnIndex;
    private final AtomicInteger refs = new AtomicInteger(1);

    private volatile int size;
    private volatile long nextOffset;
    private volatile long maxTimestamp = -1;
    private volatile long offsetOfMaxTimestamp = -1;
    private volatile long rollStartMs = -1;
    private volatile boolean deleted;
    private long reservedUpTo;
    private boolean sealed;
    /** What a segment taken at its seal's word still has to check before and after its first use; null for others. */
    private volatile FirstUseCheck firstUse;

    private Segment(Path dir, long baseOffset, MappedRegion log, long fileLengthAtOpen, TxnIndex txnIndex) {
        this.dir = dir;
        this.fileLengthAtOpen = fileLengthAtOpen;
        this.baseOffset = baseOffset;
        this.logFile = dir.resolve(fileName(baseOffset, ".log"));
        this.log = log;
        this.indexes = new SegmentIndexes(dir, baseOffset);
        this.txnIndex = txnIndex;
        this.nextOffset = baseOffset;
    }

    /**
     * {@code <base offset, 20 digits with leading zeros><suffix>}. Not String.format: a start of 10,000 partitions
     * names each partition's files several times, and the formatting was a quarter of the opening threads' CPU samples
     * (docs/benchmarks.md, "10,000 partitions: the stop after a produce, and the starts").
     */
    static String fileName(long baseOffset, String suffix) {
        if (baseOffset < 0) {
            throw new IllegalArgumentException("negative base offset " + baseOffset);
        }
        String digits = Long.toString(baseOffset);
        StringBuilder name = new StringBuilder(20 + suffix.length());
        for (int i = digits.length(); i < 20; i++) {
            name.append('0');
        }
        return name.append(digits).append(suffix).toString();
    }

    /** Creates a new, empty active segment whose mapping can hold {@code capacity} bytes. */
    static Segment create(Path dir, long baseOffset, int capacity) throws IOException {
        Path file = dir.resolve(fileName(baseOffset, ".log"));
        SegmentSeal.delete(dir, baseOffset);
        Files.deleteIfExists(file);
        SegmentIndexes.deleteFiles(dir, baseOffset);
        Files.deleteIfExists(dir.resolve(fileName(baseOffset, TxnIndex.SUFFIX)));
        MappedRegion region = MappedRegion.open(file.toFile(), capacity);
        return new Segment(dir, baseOffset, region, 0, TxnIndex.create(dir.resolve(fileName(baseOffset, TxnIndex.SUFFIX))));
    }

    /**
     * Opens an existing segment file. {@code capacity} is the mapping size; an active segment passes its
     * segment.bytes so it can keep growing, an old one its file length.
     */
    static Segment open(Path dir, long baseOffset, long capacity) throws IOException {
        Path file = dir.resolve(fileName(baseOffset, ".log"));
        long length = Files.size(file);
        MappedRegion region = MappedRegion.open(file.toFile(), Math.max(Math.max(capacity, length), 1));
        return new Segment(dir, baseOffset, region, length, TxnIndex.onDisk(dir.resolve(fileName(baseOffset, TxnIndex.SUFFIX))));
    }

    long baseOffset() {
        return baseOffset;
    }

    Path file() {
        return logFile;
    }

    int size() {
        return size;
    }

    long capacity() {
        return log.capacity();
    }

    /** One past the last offset held, or the base offset when empty. */
    long nextOffset() {
        return nextOffset;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    long offsetOfMaxTimestamp() {
        return offsetOfMaxTimestamp;
    }

    long rollStartMs() {
        return rollStartMs;
    }

    /** The transactions aborted in this segment (their ABORT markers are here). */
    TxnIndex txnIndex() {
        return txnIndex;
    }

    boolean indexFull() {
        return indexes.isFull();
    }

    FileChannel channel() {
        ensureVerified();
        return log.channel();
    }

    void copyTo(long position, int length, ByteBuffer destination) {
        ensureVerified();
        try {
            log.copyTo(position, length, destination);
        } catch (IOException e) {
            throw new UncheckedIOException("read of " + logFile + " at " + position + " failed", e);
        }
    }

    // ---- writing (partition write lock held) ----

    /** Makes sure the disk has blocks for the next {@code length} bytes; throws on a full disk. */
    void reserve(int length) throws IOException {
        long end = (long) size + length;
        if (end <= reservedUpTo) {
            return;
        }
        long step = Math.min(MAX_RESERVATION, Math.max(FIRST_RESERVATION, reservedUpTo));
        long upTo = Math.min(log.capacity(), Math.max(end, reservedUpTo + step));
        try {
            DiskSpace.reserve(logFile, log.channel(), reservedUpTo, upTo - reservedUpTo);
        } catch (DiskSpace.DiskFullException e) {
            // Only a full disk is worth a smaller try; a failing one reaches the log, which goes offline.
            if (upTo == end) {
                throw e;
            }
            // Nearly full: a whole chunk no longer fits, but this append may.
            upTo = end;
            DiskSpace.reserve(logFile, log.channel(), reservedUpTo, upTo - reservedUpTo);
        }
        reservedUpTo = upTo;
    }

    /**
     * Writes batches (already validated, offsets assigned) after the end and returns where the first starts. They
     * are not indexed until {@link #index} and not visible to readers until {@link #publish}; if the write fails,
     * nothing changes.
     */
    int write(ByteBuffer batches) throws IOException {
        int position = size + pendingBytes;
        log.write(position, batches);
        pendingBytes += batches.remaining();
        return position;
    }

    /**
     * Indexes one batch that {@link #write} put at {@code position}. The caller passes the header fields it
     * wrote, so that indexing reads nothing back through the mapping (which would map the new pages into this
     * process).
     */
    void index(int position, int batchSize, long batchBaseOffset, long lastOffset, long batchMaxTimestamp,
               int indexIntervalBytes, long nowMs) {
        recordBatch(position, batchSize, batchBaseOffset, lastOffset, batchMaxTimestamp, indexIntervalBytes, nowMs);
        pendingNextOffset = lastOffset + 1;
    }

    private int pendingBytes;
    private long pendingNextOffset = -1;

    /** Makes everything appended so far visible to readers. */
    void publish() {
        if (pendingBytes > 0) {
            size += pendingBytes;
            nextOffset = pendingNextOffset;
            pendingBytes = 0;
        }
    }

    /** Indexes one batch at {@code position} and counts its timestamp (an append's {@link #index}, or a load). */
    void recordBatch(int position, int batchSize, long batchBaseOffset, long lastOffset, long batchMaxTimestamp,
                             int indexIntervalBytes, long nowMs) {
        if (rollStartMs < 0) {
            // Age is counted from the broker's clock at the first append, not from the producer's timestamp
            // (which may be far in the past and would roll a segment per batch).
            rollStartMs = nowMs;
        }
        long max = indexes.add(position, batchSize, batchBaseOffset, lastOffset, batchMaxTimestamp, maxTimestamp,
                indexIntervalBytes);
        if (max != maxTimestamp) {
            maxTimestamp = max;
            offsetOfMaxTimestamp = batchBaseOffset;
        }
    }

    /** Forces the log file's data to disk (fdatasync; covers the mapped writes on Linux), and its txnindex. */
    void force() throws IOException {
        log.channel().force(false);
        txnIndex.force();
    }

    /** Trims the file to its content, writes and maps its indexes: the segment takes no more appends. */
    void seal() throws IOException {
        if (sealed) {
            return;
        }
        log.channel().truncate(size);
        reservedUpTo = size;
        force();
        indexes.seal(file());
        txnIndex.seal();
        // Last: the seal vouches for the segment at the next start, so what it vouches for must be forced first.
        writeSeal();
        // Only now: a seal that failed part-way must not pass for done when the roll is tried again.
        sealed = true;
    }

    /** Records what this sealed (trimmed, forced) segment holds in its {@link SegmentSeal}, for the next start. */
    void writeSeal() throws IOException {
        new SegmentSeal(baseOffset, nextOffset, size, maxTimestamp, offsetOfMaxTimestamp).write(dir);
    }

    /**
     * Whether every batch of this segment has been checked with its CRC: always, except for one loaded from its seal
     * until {@link #checkContent} ran.
     */
    boolean isContentChecked() {
        FirstUseCheck check = firstUse;
        return check == null || check.isDone();
    }

    /**
     * Runs the headers-and-indexes check a segment loaded from its seal owes before anything reads its batches or
     * indexes ({@link FirstUseCheck#ensureHeaders}); nothing for other segments, and cheap once done.
     *
     * @throws LogOfflineException when the segment is damaged (the log is taken offline)
     */
    void ensureVerified() {
        FirstUseCheck check = firstUse;
        if (check != null) {
            check.ensureHeaders();
        }
    }

    /**
     * Checks every batch's CRC32C of a segment loaded from its seal, once ({@link FirstUseCheck#checkContent}); runs
     * on the background check's thread.
     *
     * @throws LogOfflineException as {@link #ensureVerified}
     */
    void checkContent() {
        FirstUseCheck check = firstUse;
        if (check != null) {
            check.checkContent();
        }
    }

    boolean isSealed() {
        return sealed;
    }

    // ---- reading (lock-free, reference held) ----

    /** A header cursor at {@code position}, over the published batches (below the current size). */
    BatchHeader header(long position) {
        ensureVerified();
        return BatchHeader.at(log, position, size);
    }

    /**
     * Position of the batch holding {@code offset}, or of the first batch after it; -1 when no batch in
     * the published part of the segment ends at or after {@code offset}.
     */
    int positionOf(long offset, int end) {
        ensureVerified();
        SparseIndex offsetIndex = indexes.offsets();
        int entry = offsetIndex.floor(offset - baseOffset);
        int position = entry < 0 ? 0 : offsetIndex.value(entry);
        BatchHeader batch = BatchHeader.at(log, position, end);
        while (position < end) {
            if (batch.moveTo(position).lastOffset() >= offset) {
                return position;
            }
            position += (int) batch.sizeInBytes();
        }
        return -1;
    }

    /** Position of the first batch whose max timestamp is at least {@code timestamp}, or -1. */
    int positionOfTimestamp(long timestamp, int end) {
        ensureVerified();
        SparseIndex timeIndex = indexes.times();
        int entry = timeIndex.lower(timestamp);
        int position = 0;
        if (entry >= 0) {
            long offset = baseOffset + timeIndex.value(entry);
            int p = positionOf(offset, end);
            position = p < 0 ? end : p;
        }
        BatchHeader batch = BatchHeader.at(log, position, end);
        while (position < end) {
            if (batch.moveTo(position).maxTimestamp() >= timestamp) {
                return position;
            }
            position += (int) batch.sizeInBytes();
        }
        return -1;
    }

    /** A slice of whole batches from {@code position}, at most {@code maxBytes} but at least one batch. */
    LogSlice slice(int position, int maxBytes, int end) {
        ensureVerified();
        BatchHeader batch = BatchHeader.at(log, position, end);
        int limit = position;
        long next = -1;
        while (limit < end) {
            int batchSize = (int) batch.moveTo(limit).sizeInBytes();
            if (limit > position && (long) limit - position + batchSize > maxBytes) {
                break;
            }
            next = batch.nextOffset();
            limit += batchSize;
        }
        if (limit == position) {
            release();
            return LogSlice.EMPTY;
        }
        return new LogSlice(this, batch.moveTo(position).baseOffset(), position, limit - position, next);
    }

    /** Calls {@code visitor} with a header on every published batch, in order (the same cursor, moved). */
    void forEachBatch(Consumer<BatchHeader> visitor) {
        BatchWalk walk = BatchWalk.over(header(0), size);
        while (walk.next()) {
            visitor.accept(walk.header());
        }
    }

    // ---- what loading sets (partition write lock held, before the log is shared: SegmentLoad) ----

    MappedRegion region() {
        return log;
    }

    SegmentIndexes indexes() {
        return indexes;
    }

    /** The file's length when it was opened: a preallocated active segment's is past its content. */
    long fileLengthAtOpen() {
        return fileLengthAtOpen;
    }

    /** Takes {@code size} bytes holding offsets up to {@code nextOffset} as the segment's content. */
    void loaded(int size, long nextOffset, long reservedUpTo) {
        this.size = size;
        this.nextOffset = nextOffset;
        this.reservedUpTo = reservedUpTo;
    }

    /** Takes what a seal says of the segment (size, offsets, largest timestamp) and marks it sealed. */
    void loadedFromSeal(SegmentSeal seal) {
        loaded((int) seal.sizeInBytes(), seal.nextOffset(), seal.sizeInBytes());
        maxTimestamp = seal.maxTimestamp();
        offsetOfMaxTimestamp = seal.offsetOfMaxTimestamp();
        sealed = true;
    }

    /** The checks a segment taken at a seal's (or the recovery point's) word owes before and after its first use. */
    void checkOnFirstUse(FirstUseCheck check) {
        firstUse = check;
    }

    /** A segment loaded whole from an earlier run takes no appends. */
    void loadedSealed() {
        sealed = true;
    }

    /** Forgets the index entries and the timestamps (before they are rebuilt from the batch headers). */
    void resetIndexes() {
        txnIndex.invalidate();
        indexes.clear();
        resetTimestamps();
    }

    void resetTimestamps() {
        maxTimestamp = -1;
        offsetOfMaxTimestamp = -1;
        rollStartMs = -1;
    }

    /** Counts one batch's largest timestamp without indexing it (its index entries were loaded from the files). */
    void trackTimestamps(long batchBaseOffset, long batchMaxTimestamp, long nowMs) {
        if (rollStartMs < 0) {
            rollStartMs = nowMs;
        }
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
            offsetOfMaxTimestamp = batchBaseOffset;
        }
    }

    // ---- truncation (partition write lock held) ----

    /**
     * The position of the batch holding {@code offset} (or of the first batch after it), or -1 when no published
     * batch ends at or after {@code offset}.
     */
    int cutPosition(long offset) {
        return positionOf(offset, size);
    }

    /**
     * A segment of the first {@code position} bytes of this one, taking its place on disk: the bytes are copied to
     * {@code <base>.log.tmp} and forced, the index files are deleted (the copy rebuilds them from the batch
     * headers), and the copy is renamed over the segment's file. This segment keeps its mapping of the old file for
     * the readers that hold it; its owner drops it with {@link #markDeleted} (the names now belong to the copy). The
     * copy is active (it takes appends up to {@code capacity} bytes); the caller forces the directory.
     *
     * <p>Copying rather than cutting the file in place keeps every reader of this segment safe: a file shortened under
     * a mapping faults on the pages past its new end. A crash before the rename leaves the whole old segment and a
     * temporary file that the next load deletes.
     */
    Segment truncatedCopy(int position, int capacity, int indexIntervalBytes, long nowMs) throws IOException {
        Path tmp = dir.resolve(fileName(baseOffset, ".log") + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (position > 0) {
                // From a read-only view of the same pages, written once: a short write is a failed one (FileWrites).
                FileWrites.write(out, log.channel().map(FileChannel.MapMode.READ_ONLY, 0, position), 0, tmp);
            }
            out.force(true);
        }
        indexes.deleteFiles();
        SegmentSeal.delete(dir, baseOffset);
        Files.move(tmp, logFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Segment copy = open(dir, baseOffset, Math.max(capacity, position));
        SegmentLoad.loadTrusted(copy, position, true, indexIntervalBytes, nowMs);
        long end = copy.nextOffset();
        copy.txnIndex.writeAll(txnIndex.entries().stream().filter(e -> e.lastOffset() < end).toList());
        return copy;
    }

    // ---- lifetime ----

    /** Takes a reference for a reader; false if the segment is already released for good. */
    boolean tryRetain() {
        while (true) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        if (refs.decrementAndGet() == 0) {
            indexes.close();
            txnIndex.close();
            log.close();
        }
    }

    /** Closes the owner's reference: trims an active segment to its content first. */
    void close() throws IOException {
        if (!deleted && !sealed) {
            log.channel().truncate(size);
            force();
        }
        release();
    }

    /**
     * Closes the owner's reference at a broker's clean shutdown, after the log was forced: an active segment keeps its
     * preallocated length (the data directory's {@link CleanShutdown} record says where its content ends). Neither
     * close writes an active segment's index files: the next start walks its batch headers in any case (to check
     * them and to find its timestamps) and builds its index entries on that walk ({@link SegmentLoad#loadTrusted}).
     * Writing them made a clean stop right after a produce to 10,000 new partitions create 20,000 files
     * (docs/benchmarks.md, "10,000 partitions: the stop after a produce, and the starts").
     *
     * @param release whether the mappings and the files' descriptors go now; false leaves them to the end of the
     *                process, which unmaps and closes them as {@link #release} would (nothing in either is a write)
     */
    void closeKeepingLength(boolean release) {
        if (release) {
            release();
        }
    }

    /** Drops the owner's reference of a segment whose files someone else removes. */
    void markDeleted() {
        deleted = true;
        release();
    }

    /** Deletes the files; the mapping goes when the last reader releases it. */
    void delete() throws IOException {
        deleted = true;
        SegmentSeal.delete(dir, baseOffset);
        Files.deleteIfExists(logFile);
        indexes.deleteFiles();
        txnIndex.delete();
        release();
    }

    @Override
    public String toString() {
        return "Segment[" + logFile + ", size " + size + ", offsets " + baseOffset + ".." + (nextOffset - 1) + "]";
    }
}
