package io.spindle.log;

import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cutting a partition log back (a replica whose log diverged from its leader's): every record at and after an
 * offset goes, whole batches at a time, durably, and what depends on the removed records follows — the durable
 * offset, the recovery point, the waiting acknowledgements, the idempotent producers' state and the transactions
 * (the cut segment's {@code .txnindex} keeps only the entries of markers below the cut).
 *
 * <p>Crash safety, in order: the checkpoint's recovery point, and the data directory's {@link RecoveryPoints}, come
 * down to the new end first (so a crash from then on
 * recovers the tail batch by batch instead of trusting it); the later segments are deleted newest first (a crash
 * leaves a prefix, which the loader accepts, cutting at any gap); the cut segment is replaced by a forced copy of its
 * first bytes renamed over it; the directory is forced; the checkpoint is written again. The leader epochs starting at
 * or after the new end go before the segments are cut.
 *
 * <p>Threading: under the partition's write lock, and with no flush running ({@link Durability#whileNotFlushing}),
 * since a flush that read the old log end would raise the durable offset above the new one.
 */
final class Truncation {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final String name;
    private final Path dir;
    private final Segments segments;
    private final Durability durability;
    private final ProducerStateTable producers;
    private final TransactionTracker transactions;
    private final LeaderEpochCache epochs;

    Truncation(String name, Segments segments, Durability durability, ProducerStateTable producers,
               TransactionTracker transactions, LeaderEpochCache epochs) {
        this.epochs = epochs;
        this.transactions = transactions;
        this.name = name;
        this.dir = segments.directory();
        this.segments = segments;
        this.durability = durability;
        this.producers = producers;
    }

    /**
     * Removes every record at and after {@code offset}, which lies in {@code [logStartOffset, logEndOffset)}, and
     * returns the new log end: the base offset of the batch holding {@code offset}. The segment cut becomes the
     * active one, with a mapping of {@code capacity} bytes.
     */
    long truncate(long offset, int capacity, int indexIntervalBytes, long nowMs) throws IOException {
        long end = durability.whileNotFlushing(() -> {
            Segments.Cut cut = segments.cutFor(offset);
            long newEnd = cut.endOffset();
            durability.lowerRecoveryPoint(newEnd);
            // The producers' snapshot may count batches that are going: the next start rebuilds from the headers.
            ProducerStateFile.delete(dir);
            // Before the cut: a crash from here on recovers the tail from the recovery point, which assigns the
            // epochs of any batch the cut did not remove yet again.
            epochs.truncateFromEnd(newEnd);
            segments.truncate(cut, capacity, indexIntervalBytes, nowMs);
            durability.truncated(newEnd, new LogIOException(name + ": the log was truncated to offset " + newEnd
                    + " before the write was forced", new IOException("truncated")));
            producers.clear();
            LogLoader.rebuildProducerState(segments, producers, transactions);
            durability.writeCheckpoint(false);
            return newEnd;
        });
        LOG.info("{}: truncated to offset {} (asked for {})", name, end, offset);
        return end;
    }

    /**
     * Empties the log and starts it again at {@code offset}, past its end (a follower whose leader's log now starts
     * after everything this replica holds, since retention or DeleteRecords removed it there): every segment goes, an
     * empty one begins at {@code offset}, which becomes the log start, log end and recovery point; the producers'
     * state, the transactions and the leader epochs are emptied. Returns {@code offset}.
     *
     * <p>Crash safety: the records go first as in {@link #truncate} (so a crash then leaves an empty log at the old
     * start); then the new segment is created and the directory forced ({@link Segments#roll}), the old, empty
     * segments are deleted and the checkpoint is written. A crash in between leaves no record either way, and the
     * follower's next fetch asks again.
     */
    long truncateFullyAndStartAt(long offset, int capacity, int indexIntervalBytes, long nowMs) throws IOException {
        long start = segments.logStartOffset();
        long end = segments.logEndOffset();
        if (end > start) {
            truncate(start, capacity, indexIntervalBytes, nowMs);
        }
        durability.whileNotFlushing(() -> {
            ProducerStateFile.delete(dir);
            epochs.truncateFromEnd(Long.MIN_VALUE);     // every entry: no batch is left
            segments.advanceEnd(offset);
            segments.roll(capacity);
            for (Segment old : segments.snapshot()) {
                if (old == segments.active()) {
                    break;
                }
                segments.deleteOldest(old);
            }
            segments.advanceStart(offset);
            producers.clear();
            LogLoader.rebuildProducerState(segments, producers, transactions);
            durability.loaded(offset);      // nothing is left below it to force
            durability.writeCheckpoint(false);
            return offset;
        });
        LOG.info("{}: emptied (it held offsets {} to {}) and started again at offset {}", name, start, end, offset);
        return offset;
    }
}
