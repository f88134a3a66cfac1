package io.spindle.log;

import io.spindle.config.TopicConfig;
import io.spindle.log.compact.BatchRewriter.EmptyBatchPolicy;
import io.spindle.log.compact.CleanableLog;
import io.spindle.log.compact.CleaningPlan.SegmentSummary;
import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A partition log as the log cleaner sees it ({@link CleanableLog}): summaries of its segments, its sealed segment
 * files, and the swap of cleaned files in their place. The swap runs under the log's write lock, so appends,
 * retention and truncation wait for it: {@link SegmentSwap} makes it crash-safe on disk, then {@link Segments#replace}
 * puts the new segments in the place of the old ones for readers (a reader holding an old segment keeps its mapping).
 *
 * <p>A clean is checked against the log when it is swapped in: the segments it read must still be the very segments
 * of the log (retention, a truncation or a closed log make it void, and its files are deleted). A failure in the
 * middle of the swap takes the log offline; the next load finishes the swap from what is on disk.
 *
 * <p>Threading: the listing methods take no lock; {@link #replaceSegments} takes the write lock. One cleaner thread
 * works on a log at a time (the {@code LogCleaner} sees to it).
 */
final class Compaction implements CleanableLog {
    private final PartitionLog log;
    private final String name;
    private final Path dir;
    private final Clock clock;
    private final ReentrantLock lock;
    private final Segments segments;
    private final Durability durability;
    private final ProducerStateTable producers;
    private final TransactionTracker transactions;
    /** The segments the cleaner was last given, by base offset: a swap must find these very objects in the log. */
    private final Map<Long, Segment> listed = new HashMap<>();

    Compaction(PartitionLog log, String name, Path dir, Clock clock, ReentrantLock lock, Segments segments,
               Durability durability, ProducerStateTable producers, TransactionTracker transactions) {
        this.transactions = transactions;
        this.log = log;
        this.name = name;
        this.dir = dir;
        this.clock = clock;
        this.lock = lock;
        this.segments = segments;
        this.durability = durability;
        this.producers = producers;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TopicConfig config() {
        return log.config();
    }

    @Override
    public Path directory() {
        return dir;
    }

    @Override
    public long logStartOffset() {
        return segments.logStartOffset();
    }

    @Override
    public long logEndOffset() {
        return segments.logEndOffset();
    }

    @Override
    public boolean isOffline() {
        return durability.isOffline();
    }

    @Override
    public List<SegmentSummary> segmentSummaries() {
        Segment active = segments.active();
        List<SegmentSummary> summaries = new ArrayList<>();
        for (Segment segment : segments.snapshot()) {
            summaries.add(new SegmentSummary(segment.baseOffset(), segment.size(), segment.maxTimestamp(),
                    segment == active || !segment.isSealed()));
        }
        return summaries;
    }

    @Override
    public List<SegmentFile> sealedSegments(long from, long to) {
        List<Segment> all = segments.snapshot();
        Segment active = segments.active();
        List<SegmentFile> files = new ArrayList<>();
        synchronized (listed) {
            listed.clear();
            for (int i = 0; i < all.size(); i++) {
                Segment segment = all.get(i);
                long nextBase = i + 1 < all.size() ? all.get(i + 1).baseOffset() : Long.MAX_VALUE;
                if (segment == active || !segment.isSealed() || segment.baseOffset() >= to) {
                    break;
                }
                if (nextBase > from) {
                    files.add(new SegmentFile(segment.baseOffset(), segment.file(), segment.size()));
                    listed.put(segment.baseOffset(), segment);
                }
            }
        }
        return files;
    }

    @Override
    public long firstUnstableOffset() {
        return transactions.firstUnstableOffset();
    }

    @Override
    public List<AbortedTransaction> abortedTransactions(long from, long to) {
        return transactions.abortedTransactions(from, to);
    }

    /** Keeps each idempotent producer's last batch in the log, as of now: its sequence must survive the clean. */
    @Override
    public EmptyBatchPolicy producerLastBatches() {
        Map<Long, Long> last;
        lock.lock();
        try {
            last = producers.lastOffsets();
        } finally {
            lock.unlock();
        }
        return (producerId, lastOffset) -> {
            Long kept = last.get(producerId);
            return kept != null && kept == lastOffset;
        };
    }

    @Override
    public boolean replaceSegments(List<SegmentFile> replaced, List<SegmentFile> cleaned, Executor releases)
            throws IOException {
        SegmentSwap swap = new SegmentSwap(dir, replaced.stream().map(SegmentFile::baseOffset).toList(),
                cleaned.stream().map(SegmentFile::baseOffset).toList());
        lock.lock();
        try {
            List<Segment> old = stillTheLog(replaced);
            if (old == null || log.isClosed() || durability.isOffline()) {
                swap.discard();
                return false;
            }
            // A reference of our own to each old segment, so that the log's last one (dropped by Segments.replace)
            // is not the one that frees the unlinked files' page cache on this thread, under the log's lock.
            List<Segment> held = new ArrayList<>(old.size());
            for (Segment segment : old) {
                if (segment.tryRetain()) {
                    held.add(segment);
                }
            }
            try {
                swap.commit();
                swap.deleteReplaced();
                swap.install();
                TopicConfig cfg = log.config();
                long now = clock.millis();
                List<Segment> fresh = new ArrayList<>(cleaned.size());
                for (SegmentFile file : cleaned) {
                    fresh.add(SegmentLoad.openCleaned(dir, file.baseOffset(), cfg.indexIntervalBytes(), now));
                }
                writeTxnIndexes(old, fresh);
                for (Segment segment : fresh) {
                    // After its .txnindex is forced: a seal makes the next start trust the segment and that file.
                    segment.writeSeal();
                }
                segments.replace(old, fresh);
            } catch (IOException | UncheckedIOException e) {
                held.forEach(Segment::release);
                // Part of the swap may be on disk: the next load finishes it. Until then the log takes no writes.
                throw durability.goOffline("compaction swap in", dir, e);
            }
            releases.execute(() -> held.forEach(Segment::release));
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives each cleaned segment the aborted transactions of the old ones whose ABORT marker it still holds (a marker
     * the clean removed takes its entry along: a reader told of an abort whose marker never comes would skip the
     * producer's later records). Each file is forced; {@link Segments#replace} forces the directory. A crash before
     * leaves a cleaned segment without its file, which the next load rebuilds.
     */
    private static void writeTxnIndexes(List<Segment> old, List<Segment> fresh) throws IOException {
        List<AbortedTransaction> entries = new ArrayList<>();
        for (Segment segment : old) {
            entries.addAll(segment.txnIndex().entries());
        }
        for (Segment segment : fresh) {
            Set<Long> markers = new HashSet<>();
            segment.forEachBatch(batch -> {
                if (batch.isControl() && batch.recordCount() > 0) {
                    markers.add(batch.baseOffset());
                }
            });
            segment.txnIndex().writeAll(entries.stream().filter(e -> markers.contains(e.lastOffset())).toList());
        }
    }

    /** The log's segments for {@code replaced} when they are still the very ones the cleaner read, else null. */
    private List<Segment> stillTheLog(List<SegmentFile> replaced) {
        List<Segment> old = new ArrayList<>(replaced.size());
        synchronized (listed) {
            for (SegmentFile file : replaced) {
                Segment listedSegment = listed.get(file.baseOffset());
                Segment current = segments.floor(file.baseOffset());
                if (listedSegment == null || current != listedSegment || current == segments.active()) {
                    return null;
                }
                old.add(current);
            }
        }
        return old;
    }
}
