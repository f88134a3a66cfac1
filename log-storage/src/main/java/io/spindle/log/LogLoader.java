package io.spindle.log;

import io.spindle.config.TopicConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory: finishes or discards an interrupted compaction swap ({@link SegmentSwap#recover}),
 * finds the segment files, deletes leftovers (temporary files, indexes without a segment), trusts what the checkpoint
 * vouches for (after checking that its batch headers hold together), recovers the rest batch by batch and cuts the
 * log at the first invalid batch or gap (holes inside the segments of a compacted topic are allowed), and rebuilds
 * the idempotent producers' state from the batch headers.
 *
 * <p>Its messages are logged under {@code io.spindle.log.PartitionLog}, where operators (and CorruptionTest) look
 * for them.
 *
 * <p>Threading: runs before the log is shared, on the opening thread.
 */
final class LogLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    /**
     * What loading found: where the log ends, whether it made the first segment of an empty directory, and the
     * checkpoint on disk when it still holds for the log as loaded (nothing was cut), else null.
     */
    record Loaded(long logEndOffset, boolean createdFirstSegment, Checkpoint stillHolds) {
    }

    private final String name;
    private final Path dir;
    private final TopicConfig cfg;
    private final long now;
    private final Segments segments;
    private final ProducerStateTable producers;
    private final TransactionTracker transactions;
    private final boolean compactedBefore;
    private final Segments.Changes changes;
    private final CleanShutdown.Entry cleanStop;
    private final long recordedRecoveryPoint;
    private long validatedBatches;

    /**
     * @param cleanStop             the log's entry in the data directory's {@link CleanShutdown} record, or null
     * @param recordedRecoveryPoint the log's entry in the data directory's {@link RecoveryPoints}, or -1
     */
    LogLoader(String name, Path dir, TopicConfig cfg, long nowMs, Segments segments, ProducerStateTable producers,
              TransactionTracker transactions, boolean compactedBefore, Segments.Changes changes,
              CleanShutdown.Entry cleanStop, long recordedRecoveryPoint) {
        this.cleanStop = cleanStop;
        this.recordedRecoveryPoint = recordedRecoveryPoint;
        this.transactions = transactions;
        this.compactedBefore = compactedBefore;
        this.changes = changes;
        this.name = name;
        this.dir = dir;
        this.cfg = cfg;
        this.now = nowMs;
        this.segments = segments;
        this.producers = producers;
    }

    /**
     * Opens the partition directory, creating it (durably) if absent, loads it, tells {@code durability} what is on
     * disk and writes the checkpoint. On failure every segment opened so far is released. Returns how many batches it
     * validated one by one (CRC32C): none after a clean stop, those past the recovery point after a crash.
     *
     * @throws LogIOException when the directory cannot be read or written
     */
    long open(Durability durability) {
        try {
            boolean created = !Files.isDirectory(dir);
            if (created) {
                Files.createDirectories(dir);
                Checkpoint.forceDirectory(dir.getParent());
            }
            Loaded loaded = load();
            durability.loaded(loaded.logEndOffset());
            if (loaded.createdFirstSegment()) {
                // A new log writes no checkpoint (see load), so its first flush forces the directory holding the new
                // segment's files along with its .log: two disk flushes per new partition in all, none at creation.
                durability.directoryChanged();
            }
            if (loaded.stillHolds() == null) {
                durability.writeCheckpoint(false);
            } else if (loaded.stillHolds().clean()) {
                // Rewritten (not clean) before the first append, not here: one file and directory fsync per partition
                // was most of a start's time with many partitions.
                durability.cleanUntilFirstAppend();
            }
            return validatedBatches;
        } catch (IOException e) {
            segments.releaseAll();
            throw new LogIOException("cannot open partition log " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Loads every segment of the directory into {@code segments} and the producers' state into {@code producers}. */
    Loaded load() throws IOException {
        // One listing of the directory serves the swap check, the segments and the orphans: at 10,000 partitions the
        // three listings a start made were about a third of the opening threads' samples in system calls.
        List<Path> files = list(dir);
        if (files.stream().anyMatch(SegmentSwap::isSwapFile)) {
            String swap = SegmentSwap.recover(dir);
            if (swap != null) {
                LOG.info("{}: {}", name, swap);
            }
            files = list(dir);
        }
        // The data directory's record may vouch for more than the log's own checkpoint (written less often).
        Checkpoint checkpoint = RecoveryPoints.atLeast(Checkpoint.read(dir), recordedRecoveryPoint);
        List<Long> bases = new ArrayList<>();
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            if (fileName.endsWith(".tmp")) {
                Files.deleteIfExists(file);
            } else if (fileName.endsWith(".log") && fileName.length() == 24) {
                bases.add(Long.parseLong(fileName.substring(0, 20)));
            }
        }
        bases.sort(null);
        deleteOrphanIndexes(files, bases);
        CleanShutdown.Entry stop = usableCleanStop(bases);
        if (stop != null) {
            // The broker's clean shutdown vouches for the log as its own clean checkpoint would, and knows where the
            // active segment's content ends (its file keeps its preallocated length).
            checkpoint = stop.checkpoint();
        }
        if (bases.isEmpty()) {
            long start = checkpoint == null ? 0 : checkpoint.logStartOffset();
            segments.add(Segment.create(dir, start, cfg.segmentBytes()));
            segments.loaded(start, start);
            // An empty directory with no checkpoint (a partition just created) needs none yet: a missing checkpoint makes
            // recovery scan from the log start, which is where this log starts, as one saying (0, 0, not clean) would.
            // Two fsyncs saved per new partition (file and directory); the periodic checkpoint writes it once the log
            // holds something, and the first append's flush forces the new segment files' entries.
            return new Loaded(start, true, checkpoint == null ? new Checkpoint(start, start, false) : null);
        }
        boolean clean = checkpoint != null && checkpoint.clean();
        // Compaction leaves offsets unused inside segments; elsewhere a hole means a damaged base offset. A log the
        // cleaner has cleaned keeps its holes when its topic is switched to delete.
        boolean holes = cfg.cleanupPolicy().compacts() || compactedBefore;
        long recoveryPoint = checkpoint == null ? -1 : checkpoint.recoveryPoint();
        long next = bases.get(0);
        boolean cut = false;
        List<Segment> unsealed = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (i > 0 && base != next) {
                // The segment before this one ends short of it (cut, or emptied by a damaged write): offsets in a
                // log are contiguous, so nothing from here on can be served. CorruptionTest shows the case.
                LOG.warn("{}: truncated the log at offset {}: segment {} starts at offset {} but the segment before it"
                        + " ends at {}", name, next, dir.resolve(Segment.fileName(base, ".log")), base, next);
                deleteSegmentsAfter(bases, i - 1);
                producers.truncateFrom(next);
                cut = true;
                break;
            }
            boolean last = i == bases.size() - 1;
            long nextBase = last ? Long.MAX_VALUE : bases.get(i + 1);
            Path file = dir.resolve(Segment.fileName(base, ".log"));
            long length = last && stop != null ? stop.activeSize() : Files.size(file);
            SegmentSeal seal = last ? null : SegmentSeal.read(dir, base);
            if (seal != null && seal.sizeInBytes() == length && seal.nextOffset() <= nextBase) {
                // Sealed and forced by an earlier run, which wrote down what it holds: nothing of it is read now. Its
                // batches are checked on first use or by the background check (Segment#ensureVerified).
                segments.add(SegmentLoad.openSealed(dir, seal, holes, cfg.indexIntervalBytes(), changes));
                next = seal.nextOffset();
                continue;
            }
            boolean trusted = clean || (recoveryPoint >= nextBase);
            Segment segment = Segment.open(dir, base, last ? Math.max(cfg.segmentBytes(), length) : length);
            segments.add(segment);
            if (trusted && length <= Integer.MAX_VALUE
                    && SegmentLoad.nextOffsetIfHeadersHoldTogether(segment, (int) length, holes) < 0) {
                LOG.warn("{}: the batch headers of {} do not hold together although the checkpoint vouches for it;"
                        + " validating it batch by batch", name, file);
                trusted = false;
            }
            if (trusted && length <= Integer.MAX_VALUE) {
                if (!SegmentLoad.loadTrusted(segment, (int) length, last, cfg.indexIntervalBytes(), now)) {
                    LOG.info("{}: rebuilt the indexes of {}", name, file);
                }
                next = segment.nextOffset();
            } else {
                // Batch by batch from the recovery point (below it the data was forced; its CRCs are checked later).
                SegmentLoad.Recovery recovery = SegmentLoad.recover(segment, recoveryPoint, cfg.indexIntervalBytes(),
                        now, holes, changes);
                next = recovery.nextOffset();
                validatedBatches += recovery.validatedBatches();
                // What recovery kept may be only in the page cache (a killed broker's last appends): force it before
                // the log calls it durable, or an idempotent retry of one of its batches would be acknowledged as a
                // duplicate while a power loss could still take it. Nothing past the recovery point: nothing to force.
                if (recovery.validEnd() > recovery.walkedFrom() || recovery.droppedBytes() > 0) {
                    segment.force();
                }
                if (recovery.reason() != null) {
                    LOG.warn("{}: truncated {} at position {} ({}): dropped {} bytes; the log ends at offset {}",
                            name, file, recovery.validEnd(), recovery.reason(), recovery.droppedBytes(), next);
                    deleteSegmentsAfter(bases, i);
                    producers.truncateFrom(next);
                    cut = true;
                    break;
                }
                if (!last) {
                    segment.seal();
                }
            }
            if (!last) {
                // Checked batch by batch or header by header now: the next start need not. Sealed only once its
                // .txnindex is known to be whole (loadProducerState), since a seal makes the next start trust it.
                unsealed.add(segment);
            }
        }
        long start = checkpoint == null ? bases.get(0) : Math.max(bases.get(0), Math.min(checkpoint.logStartOffset(), next));
        segments.loaded(start, next);
        if (loadProducerState(next)) {
            for (Segment segment : unsealed) {
                segment.writeSeal();
            }
        }
        LOG.debug("{}: opened {} segment(s), offsets [{}, {}){}", name, segments.count(), start, next,
                clean ? "" : ", recovered from offset " + Math.max(recoveryPoint, 0));
        return new Loaded(next, false, cut ? null : checkpoint);
    }

    /**
     * The clean shutdown's entry when it matches the files: its active segment is the last one, whose file holds at
     * least the bytes the entry says. Null otherwise (logged): the log is then loaded from its own checkpoint.
     */
    private CleanShutdown.Entry usableCleanStop(List<Long> bases) throws IOException {
        if (cleanStop == null) {
            return null;
        }
        long last = bases.isEmpty() ? -1 : bases.get(bases.size() - 1);
        long length = last < 0 ? -1 : Files.size(dir.resolve(Segment.fileName(last, ".log")));
        if (last != cleanStop.activeBaseOffset() || length < cleanStop.activeSize()
                || cleanStop.activeSize() > Integer.MAX_VALUE) {
            LOG.warn("{}: the clean shutdown's record (active segment at offset {}, {} bytes) does not match the files"
                    + " (last segment at offset {}, {} bytes); recovering from the partition's own checkpoint", name,
                    cleanStop.activeBaseOffset(), cleanStop.activeSize(), last, length);
            return null;
        }
        return cleanStop;
    }

    private void deleteSegmentsAfter(List<Long> bases, int index) throws IOException {
        for (int j = index + 1; j < bases.size(); j++) {
            Path file = dir.resolve(Segment.fileName(bases.get(j), ".log"));
            LOG.warn("{}: deleted {}, which followed the damaged segment", name, file);
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir.resolve(Segment.fileName(bases.get(j), ".index")));
            Files.deleteIfExists(dir.resolve(Segment.fileName(bases.get(j), ".timeindex")));
            Files.deleteIfExists(dir.resolve(Segment.fileName(bases.get(j), TxnIndex.SUFFIX)));
            SegmentSeal.delete(dir, bases.get(j));
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** Deletes the index and seal files among {@code files} whose segment (one of {@code bases}) is not there. */
    private void deleteOrphanIndexes(List<Path> files, List<Long> bases) throws IOException {
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            if ((fileName.endsWith(".index") || fileName.endsWith(".timeindex") || fileName.endsWith(TxnIndex.SUFFIX)
                    || fileName.endsWith(SegmentSeal.SUFFIX)) && fileName.length() >= 20) {
                try {
                    long base = Long.parseLong(fileName.substring(0, 20));
                    if (!bases.contains(base)) {
                        Files.deleteIfExists(file);
                    }
                } catch (NumberFormatException e) {
                    LOG.warn("{}: ignoring unexpected file {}", name, file);
                }
            }
        }
    }

    /**
     * Loads the idempotent producers' state and the open transactions from their snapshot ({@link ProducerStateFile})
     * and the batch headers at and after the snapshot's offset, or from every batch header when the snapshot is
     * missing, damaged or newer than the log as loaded (cut at a damage). The segments wholly below the offset are not
     * read, so a start after a clean close reads no header and one after a crash those written since the last roll or
     * clean start.
     *
     * <p>A {@code .txnindex} is rebuilt from its segment's batches by a walk that knows the open transactions at the
     * segment's start: with a snapshot, only the segments from its offset on are walked, so when the index of a segment
     * below the offset is missing, damaged or was invalidated by recovery, every header is read instead (rare: a lost
     * file, or a crash soon after a clean start, before the next roll). Returns false when a sealed segment failed its
     * check during the walk (the log is then offline and its indexes may not be whole).
     */
    private boolean loadProducerState(long logEnd) throws IOException {
        long from = ProducerStateFile.read(dir, producers, transactions);
        if (from < 0 || from > logEnd || !txnIndexesHoldBelow(from)) {
            producers.clear();
            transactions.clear();
            from = Long.MIN_VALUE;
        }
        try {
            replayFrom(segments, producers, transactions, from);
            return true;
        } catch (LogOfflineException e) {
            // A sealed segment failed its check: the log is offline (it takes no appends, so the producers' state no
            // longer matters) and its next start recovers it. It opens, to be reported, not to fail the broker's start.
            LOG.debug("{}: producer state not loaded: {}", name, e.getMessage());
            return false;
        }
    }

    /** Whether the {@code .txnindex} of every segment starting below {@code from} is on disk and can be trusted. */
    private boolean txnIndexesHoldBelow(long from) throws IOException {
        for (Segment segment : segments.all()) {
            if (segment.baseOffset() >= from) {
                break;
            }
            if (!segment.txnIndex().ensureLoaded(segment.baseOffset(), segment.nextOffset())) {
                LOG.info("{}: {} is missing or damaged, or its segment was recovered: reading every batch header to"
                        + " rebuild it", name, segment.txnIndex().file());
                return false;
            }
        }
        return true;
    }

    /**
     * Reads every batch header once to learn the idempotent producers' last sequences and the open transactions
     * (after truncation, or at load without a usable snapshot). The same walk rebuilds the {@code .txnindex} of a
     * segment whose index recovery invalidated or that is missing or damaged ({@link TransactionTracker#replay}); the
     * others are read from disk.
     */
    static void rebuildProducerState(Segments segments, ProducerStateTable producers, TransactionTracker transactions)
            throws IOException {
        transactions.clear();
        replayFrom(segments, producers, transactions, Long.MIN_VALUE);
    }

    /**
     * Feeds the batches ending at or after {@code from} to {@code producers} and {@code transactions}, which hold the
     * state of every batch below it; only the segments holding such batches are read. A segment walked from its start
     * whose index cannot be trusted gets it rebuilt; the caller made sure any segment starting below {@code from} has
     * a trusted index.
     */
    private static void replayFrom(Segments segments, ProducerStateTable producers, TransactionTracker transactions,
                                   long from) throws IOException {
        boolean rebuilt = false;
        for (Segment segment : segments.all()) {
            Segment after = segments.higher(segment.baseOffset());
            if (after != null && after.baseOffset() <= from) {
                continue;
            }
            TransactionTracker.Replay replay = transactions.replay(segment);
            rebuilt |= replay.rebuilds();
            try {
                if (segment.nextOffset() <= from) {
                    replay.finish();    // after a clean close: the active segment's batches are all in the snapshot
                    continue;
                }
                segment.forEachBatch(batch -> {
                    if (batch.hasProducerId() && batch.lastOffset() >= from) {
                        producers.update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                                batch.lastSequence(), batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp());
                        try {
                            replay.batch(batch);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            replay.finish();
        }
        if (rebuilt) {
            Checkpoint.forceDirectory(segments.directory());    // a rebuilt index file may be new
        }
    }
}
