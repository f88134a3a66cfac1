package io.spindle.log.compact;

import io.spindle.log.BatchHeader;
import io.spindle.log.compact.BatchRewriter.EmptyBatchPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.CloseableIterator;

/**
 * One clean of one log, on its sealed segment files: the two halves of Kafka's cleaner. {@link #buildMap} reads
 * the dirty batches into the {@link OffsetMap} until it is full or the dirty range ends; {@link #clean} rewrites a
 * run of segments keeping, for each key, the records at or after the latest offset the map holds for it (and every
 * record past the mapped range), writing {@code <base offset>.log.cleaned} files beside the originals, each from a
 * group of consecutive segments whose sizes add up to at most {@code segment.bytes}, and forcing them.
 *
 * <p>What it does not do, because it needs the log's own parts: choosing the log and the cleanable range
 * ({@link CleaningPlan}), and the crash-safe swap of the cleaned files into the log (the log's {@code SegmentSwap}).
 *
 * <p>Both passes read each segment with positional reads into one direct buffer ({@link SegmentRuns}), up to the size
 * its log knows: a file shrunk under the clean (or before it) fails the clean with an IOException naming it, where a
 * read through a mapping faulted at a place the cleaner could not reliably catch (docs/durability.md, "Compaction and
 * a file shrunk under the cleaner"; the measurement against the mapping is in docs/benchmarks.md). A clean that fails
 * deletes the cleaned files it wrote; the log is only changed by the swap, after a clean that succeeded.
 *
 * <p>Records without a key are removed, as Kafka's cleaner does (a topic switched from delete to compact may hold
 * them). Offsets never change. Not thread-safe: one per cleaner thread.
 */
public final class SegmentCleaner {
    /** A record body in a compressed batch larger than this fails the clean instead of being allocated. */
    static final int MAX_RECORD_BYTES = 64 << 20;
    /** The suffix of a cleaned file, after the 20-digit base offset: {@code 00000000000000000000.log.cleaned}. */
    public static final String CLEANED_SUFFIX = ".log.cleaned";

    /**
     * A sealed segment's log file, the offset it is named after, and its size as its log knows it (the end of its
     * last batch): a clean reads that much, and fails when the file is shorter.
     */
    public record SegmentFile(long baseOffset, Path path, long sizeInBytes) {
    }

    /** Told of the bytes a clean reads and writes, as it goes: the I/O rate cap and the meters listen. */
    @FunctionalInterface
    public interface IoListener {
        /** May block (to hold a rate); an interrupt makes the clean fail with an InterruptedIOException. */
        void transferred(long bytesRead, long bytesWritten) throws IOException;
    }

    private final OffsetMap map;
    private final IoListener io;
    private final BatchRewriter rewriter = new BatchRewriter();
    private final BufferSupplier decompression = BufferSupplier.create();
    private final RecordKeys recordKeys = new RecordKeys();
    /** The read buffer, kept across segments and cleans. */
    private final SegmentRuns runs = new SegmentRuns();
    /** Write buffer kept across cleans, for the same reason. */
    private ByteBuffer output = ByteBuffer.allocate(1 << 20);
    /** Where the last {@link #buildMap} started. */
    private long mappedFrom = Long.MAX_VALUE;

    public SegmentCleaner(OffsetMap map) {
        this(map, (read, written) -> { });
    }

    public SegmentCleaner(OffsetMap map, IoListener io) {
        this.map = map;
        this.io = io;
    }

    /**
     * Clears the map and fills it with the keys of the records at offsets {@code from} and up, segment by segment,
     * until the segments end or the map is full. Markers and the batches of aborted {@code transactions} are passed
     * over; a committed transaction's records are mapped like any others (the range lies below the last stable
     * offset, so every transaction in it is decided).
     *
     * @return the first offset not mapped: the records below it are the ones {@link #clean} may remove, and where
     *         the next pass starts
     */
    public long buildMap(List<SegmentFile> dirty, long from, CleanedTransactions transactions) throws IOException {
        map.clear();
        mappedFrom = from;
        long next = from;
        for (SegmentFile segment : dirty) {
            try (SegmentRuns in = runs.open(segment)) {
                ByteBuffer batches;
                while ((batches = in.next()) != null) {
                    io.transferred(batches.remaining(), 0);
                    BatchHeader batch = BatchHeader.at(batches, 0);
                    for (int at = 0; at < batches.limit(); at += (int) batch.sizeInBytes()) {
                        batch.moveTo(at);
                        if (batch.lastOffset() < next) {
                            continue;
                        }
                        if (batch.isControl() || (batch.isTransactional()
                                && transactions.isAborted(batch.producerId(), batch.baseOffset()))) {
                            // Markers have no keys; an aborted transaction's keys must not make older records go.
                            next = batch.lastOffset() + 1;
                            continue;
                        }
                        long full = batch.magic() == BatchHeader.CURRENT_MAGIC && !batch.isCompressed()
                                ? mapInPlace(batches, batch, next)
                                : mapThroughIterator(batches.slice(at, (int) batch.sizeInBytes()), next);
                        if (full >= 0) {
                            return full;
                        }
                        next = Math.max(next, batch.lastOffset() + 1);
                    }
                }
            }
        }
        return next;
    }

    /** Maps the keyed records at {@code from} and up of an uncompressed batch; the offset that did not fit, or -1. */
    private long mapInPlace(ByteBuffer batches, BatchHeader batch, long from) {
        recordKeys.reset(batches, batch);
        while (recordKeys.next()) {
            long offset = recordKeys.offset();
            if (offset >= from && recordKeys.hasKey() && !map.put(recordKeys.buffer(), recordKeys.keyStart(),
                    recordKeys.keyLength(), offset)) {
                return offset;
            }
        }
        return -1;
    }

    /** As {@link #mapInPlace}, for the one batch in {@code batch}, read with kafka-clients (compressed batches). */
    private long mapThroughIterator(ByteBuffer batch, long from) {
        for (MutableRecordBatch records : MemoryRecords.readableRecords(batch).batches()) {
            try (CloseableIterator<Record> iterator = records.streamingIterator(decompression, MAX_RECORD_BYTES)) {
                while (iterator.hasNext()) {
                    Record record = iterator.next();
                    if (record.offset() >= from && record.hasKey() && !map.put(record.key(), record.offset())) {
                        return record.offset();
                    }
                }
            }
        }
        return -1;
    }

    /**
     * Rewrites {@code segments} (consecutive, oldest first) into cleaned files in {@code dir}, forced to disk.
     *
     * @param mappedEnd         what {@link #buildMap} returned: records at or past it are all kept
     * @param segmentBytes      the topic's segment.bytes: the most input bytes grouped into one cleaned file
     * @param now               the clean's time, for tombstones' delete horizons
     * @param deleteRetentionMs the topic's delete.retention.ms
     * @param keepEmpty         which emptied batches stay (a producer's last batch); besides those, the last batch of
     *                          every segment stays (its header alone when all its records go), so that a cleaned file
     *                          ends at the offset its group ended: the segment after it still starts where the one
     *                          before ends, and a half-done swap can tell which old segments it replaces
     * @param transactions      the aborted transactions of the range; a fresh one per clean (it tracks markers)
     * @return the cleaned files, one per group, each named after the base offset of its group's first segment
     */
    public List<SegmentFile> clean(List<SegmentFile> segments, long mappedEnd, int segmentBytes, long now,
                                   long deleteRetentionMs, EmptyBatchPolicy keepEmpty, CleanedTransactions transactions,
                                   Path dir) throws IOException {
        LatestOffsets mapped = new LatestOffsets(map.latestOffsetsAscending(), map.size());
        BatchRewriter.RecordPredicate latest = (offset, key, tombstone, pastDeleteHorizon, timestamp) -> {
            if (key == null) {
                return false;
            }
            if (offset >= mappedEnd) {
                // Not deduplicated yet: older records of its key may still be in the log, so even a tombstone past
                // its delete horizon stays, or the value it deleted would come back (as Kafka's cleaner keeps it).
                return true;
            }
            if (offset >= mappedFrom) {
                // buildMap put every keyed record of [mappedFrom, mappedEnd) that the rewrite asks about (markers and
                // aborted transactions' records, which it skipped, the rewrite decides without asking), so the map holds this record's key with
                // an offset at or past it: the record stays exactly when it is that latest offset. No hash needed.
                return mapped.contains(offset) && !pastDeleteHorizon;
            }
            long kept = map.get(key);
            return (kept < 0 || offset >= kept) && !pastDeleteHorizon;
        };
        List<SegmentFile> cleaned = new ArrayList<>();
        List<Future<?>> forced = new ArrayList<>();
        // Each cleaned file is forced on a thread of its own while the next group is rewritten: forcing in line held
        // the cleaner for every file's writes to reach the disk.
        ExecutorService forcing = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, Thread.currentThread().getName() + "-force");
            thread.setDaemon(true);
            return thread;
        });
        List<Path> written = new ArrayList<>();
        try {
            int i = 0;
            while (i < segments.size()) {
                SegmentFile first = segments.get(i);
                Path target = dir.resolve(String.format("%020d", first.baseOffset()) + CLEANED_SUFFIX);
                FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                written.add(target);
                boolean handedOver = false;
                long size;
                try {
                    i = writeGroup(segments, i, out, latest, keepEmpty, segmentBytes, now, deleteRetentionMs,
                            transactions);
                    size = out.position();
                    forced.add(forcing.submit(() -> {
                        try (out) {
                            out.force(true);
                        }
                        return null;
                    }));
                    handedOver = true;
                } finally {
                    if (!handedOver) {
                        out.close();
                    }
                }
                cleaned.add(new SegmentFile(first.baseOffset(), target, size));
            }
            for (Future<?> force : forced) {
                awaitForce(force, dir);
            }
        } catch (IOException | RuntimeException e) {
            // Half a clean is of no use; the next load would discard the files, but a broker may run for long.
            for (Path file : written) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException notDeleted) {
                    e.addSuppressed(notDeleted);
                }
            }
            throw e;
        } finally {
            forcing.shutdown();         // after a failure, the forces handed over still run and close their files
        }
        return cleaned;
    }

    /**
     * Rewrites the group of segments starting at {@code i} into {@code out}: at least one segment, and more while the
     * group's input bytes stay within {@code segmentBytes}. Returns the index of the first segment after the group.
     */
    private int writeGroup(List<SegmentFile> segments, int i, FileChannel out, BatchRewriter.RecordPredicate latest,
                           EmptyBatchPolicy keepEmpty, int segmentBytes, long now, long deleteRetentionMs,
                           CleanedTransactions transactions) throws IOException {
        long groupBytes = 0;
        EmptyBatchPolicy keepProducers = (producerId, lastOffset) ->
                producerId >= 0 && keepEmpty.keepWhenEmpty(producerId, lastOffset);
        do {
            SegmentFile segment = segments.get(i);
            try (SegmentRuns in = runs.open(segment)) {
                groupBytes += segment.sizeInBytes();
                ByteBuffer batches;
                while ((batches = in.next()) != null) {
                    EmptyBatchPolicy keepLastAndProducers = keepProducers;
                    if (in.lastRun()) {
                        long segmentEnd = lastOffsetOf(batches);
                        keepLastAndProducers = (producerId, lastOffset) -> lastOffset == segmentEnd
                                || keepProducers.keepWhenEmpty(producerId, lastOffset);
                    }
                    output.clear();
                    BatchRewriter.Result result = rewriter.rewrite(batches, output, latest,
                            keepLastAndProducers, transactions, now, deleteRetentionMs, MAX_RECORD_BYTES);
                    output = result.output().capacity() > output.capacity() ? result.output() : output;
                    ByteBuffer written = result.output();
                    int bytes = written.remaining();
                    while (written.hasRemaining()) {
                        out.write(written);
                    }
                    io.transferred(result.bytesRead(), bytes);
                }
            }
            i++;
        } while (i < segments.size() && groupBytes + segments.get(i).sizeInBytes() <= segmentBytes);
        return i;
    }

    private static void awaitForce(Future<?> force, Path dir) throws IOException {
        try {
            force.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while forcing cleaned files in " + dir);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot force a cleaned file in " + dir + ": " + e.getCause(), e.getCause());
        }
    }

    /** The last offset of the last batch of a run of whole batches. */
    private static long lastOffsetOf(ByteBuffer run) {
        BatchHeader batch = BatchHeader.at(run, 0);
        for (int at = 0; ; ) {
            int next = at + (int) batch.moveTo(at).sizeInBytes();
            if (next >= run.limit()) {
                return batch.lastOffset();
            }
            at = next;
        }
    }

    /**
     * Membership in the map's latest offsets, ascending: asked about offsets in ascending order (as the rewrite goes),
     * each question moves a cursor on, so a record costs a comparison or two instead of a hash and a lookup.
     */
    private static final class LatestOffsets {
        private final long[] offsets;
        private final int count;
        private int at;

        LatestOffsets(long[] offsets, int count) {
            this.offsets = offsets;
            this.count = count;
        }

        boolean contains(long offset) {
            if (at > 0 && offsets[at - 1] >= offset) {
                int found = Arrays.binarySearch(offsets, 0, count, offset);     // asked out of order: find it anew
                at = found >= 0 ? found : -found - 1;
            }
            while (at < count && offsets[at] < offset) {
                at++;
            }
            return at < count && offsets[at] == offset;
        }
    }
}
