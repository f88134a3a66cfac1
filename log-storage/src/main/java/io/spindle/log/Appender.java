package io.spindle.log;

import static io.spindle.log.BatchHeader.HEADER_SIZE;

import io.spindle.config.TimestampType;
import io.spindle.config.TopicConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path of one partition log: validates the producer's batches, answers an idempotent producer's retry
 * with the original offsets ({@link ProducerStateTable}), decides when to roll, assigns offsets in the headers,
 * writes all the batches with one positional write, indexes them, tells the {@link TransactionTracker} of the
 * transactional ones (an ABORT marker's entry goes into the segment's {@code .txnindex}) and publishes the new log
 * end.
 *
 * <p>Threading: {@link #validate} runs on the caller's thread without a lock (it reads only the caller's buffer);
 * {@link #append} runs under the partition's write lock.
 */
final class Appender {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final String name;
    private final Clock clock;
    private final Segments segments;
    private final Durability durability;
    private final ProducerStateTable producers;
    private final TransactionTracker transactions;
    private final LeaderEpochCache epochs;
    private final LongAdder appendedRecords = new LongAdder();
    private final LongAdder appendedBytes = new LongAdder();

    Appender(String name, Clock clock, Segments segments, Durability durability, ProducerStateTable producers,
             TransactionTracker transactions, LeaderEpochCache epochs) {
        this.name = name;
        this.epochs = epochs;
        this.transactions = transactions;
        this.clock = clock;
        this.segments = segments;
        this.durability = durability;
        this.producers = producers;
    }

    long appendedRecords() {
        return appendedRecords.sum();
    }

    long appendedBytes() {
        return appendedBytes.sum();
    }

    /** Checks every batch before anything is written; returns each batch's {start, size}. */
    List<int[]> validate(ByteBuffer buffer, int start, int end, TopicConfig cfg) {
        if (end - start < HEADER_SIZE) {
            throw new CorruptRecordBatchException(name + ": " + (end - start) + " bytes is too short for a record batch");
        }
        List<int[]> batches = new ArrayList<>(1);
        BatchWalk walk = BatchWalk.over(BatchHeader.at(buffer, start), end).checkingCrc();
        while (walk.next()) {
            BatchHeader batch = walk.header();
            long size = batch.sizeInBytes();
            if (size > cfg.maxMessageBytes()) {
                throw new RecordBatchTooLargeException(name + ": record batch of " + size
                        + " bytes exceeds max.message.bytes " + cfg.maxMessageBytes());
            }
            if (size > cfg.segmentBytes()) {
                throw new BatchLargerThanSegmentException(name + ": record batch of " + size
                        + " bytes exceeds segment.bytes " + cfg.segmentBytes());
            }
            int count = batch.recordCount();
            if (count != batch.lastOffsetDelta() + 1L) {
                throw new CorruptRecordBatchException(name + ": record batch claims " + count
                        + " records with last offset delta " + batch.lastOffsetDelta());
            }
            batches.add(new int[] {(int) batch.position(), (int) size});
        }
        if (walk.problem() == BatchWalk.Problem.UNSUPPORTED_MAGIC) {
            throw new UnsupportedMagicException(name + ": record batch with " + walk.describeProblem());
        }
        if (walk.problem() != null) {
            throw new CorruptRecordBatchException(name + ": record batch with " + walk.describeProblem());
        }
        return batches;
    }

    /**
     * Appends the validated {@code batches} of {@code buffer} ({@code totalSize} bytes from the first), each stamped
     * with {@code leaderEpoch} ({@link LeaderEpochCache#UNDEFINED_EPOCH} when no leader epoch was begun).
     */
    AppendResult append(ByteBuffer buffer, List<int[]> batches, int totalSize, TopicConfig cfg, int leaderEpoch,
                        boolean callerFlushes) {
        return append(buffer, batches, totalSize, cfg, leaderEpoch, false, callerFlushes);
    }

    /**
     * Appends a leader's validated {@code batches} as they are on the leader (a follower's copy): their base offsets,
     * leader epochs and timestamps are kept, the first must start at the log end (offsets may then have holes, as a
     * compacted leader's do), and the epochs they carry enter the {@link LeaderEpochCache}. No idempotence check: the
     * leader made it; the producers' state is updated so that this replica can check it once it leads.
     *
     * @throws OffsetOutOfRangeException when the batches do not start at the log end or go backwards
     */
    AppendResult appendReplicated(ByteBuffer buffer, List<int[]> batches, int totalSize, TopicConfig cfg) {
        return append(buffer, batches, totalSize, cfg, LeaderEpochCache.UNDEFINED_EPOCH, true, false);
    }

    private AppendResult append(ByteBuffer buffer, List<int[]> batches, int totalSize, TopicConfig cfg,
                                int leaderEpoch, boolean replicated, boolean callerFlushes) {
        BatchHeader batch = BatchHeader.at(buffer, batches.get(0)[0]);
        if (replicated) {
            checkReplicatedOffsets(batch, batches);
        }
        // Idempotent producers: a retry of a batch already in the log is answered with the original offsets.
        for (int[] each : batches) {
            if (replicated) {
                break;
            }
            batch.moveTo(each[0]);
            long producerId = batch.producerId();
            if (producerId < 0) {
                continue;
            }
            int firstSeq = batch.baseSequence();
            ProducerStateTable.BatchRange original = producers.check(name, producerId, batch.producerEpoch(), firstSeq,
                    batch.lastSequence());
            if (original != null) {
                if (batches.size() != 1) {
                    throw new OutOfOrderSequenceException(name + ": producer " + producerId
                            + " resent sequence " + firstSeq + " inside a request with other batches");
                }
                return new AppendResult(original.firstOffset(), original.lastOffset(), segments.logEndOffset(), -1,
                        segments.logStartOffset(), true, durability.awaitDurable(original.lastOffset() + 1));
            }
        }

        long now = clock.millis();
        Segment segment = maybeRoll(totalSize, cfg, now);
        try {
            segment.reserve(totalSize);
        } catch (DiskSpace.DiskFullException e) {
            throw new LogIOException(name + ": cannot append " + totalSize + " bytes to " + segment.file()
                    + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // Not a full disk but a failing one (reserving space writes zeros where fallocate is missing).
            throw durability.goOffline("reserving " + totalSize + " bytes in", segment.file(), e);
        }

        boolean logAppendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME;
        long firstOffset = replicated ? batch.moveTo(batches.get(0)[0]).baseOffset() : segments.logEndOffset();
        long next = firstOffset;
        long records = 0;
        try {
            // Before the batches are written: the epochs file must never lack an epoch that forced batches carry.
            if (replicated) {
                for (int[] each : batches) {
                    batch.moveTo(each[0]);
                    epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                }
            } else {
                epochs.assign(leaderEpoch, firstOffset);
            }
        } catch (IOException | UncheckedIOException e) {
            throw durability.goOffline("leader epochs write in", segments.directory(), e);
        }
        // Offsets, the leader epoch (and append times) go into the headers first, so that all the batches reach the
        // segment in one write; the epoch, like the offset, lies outside the CRC. A replicated batch keeps its own.
        for (int[] each : batches) {
            batch.moveTo(each[0]);
            if (replicated) {
                next = batch.lastOffset() + 1;
                continue;
            }
            batch.setBaseOffset(next);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (logAppendTime) {
                batch.stampLogAppendTime(now);
            }
            next += batch.lastOffsetDelta() + 1L;
        }
        long end = next;
        int start = batches.get(0)[0];
        ByteBuffer all = buffer.duplicate();
        all.limit(start + totalSize).position(start);
        int written;
        try {
            written = segment.write(all);
        } catch (IOException | UncheckedIOException e) {
            // Part of the batches may be in the page cache now: nothing may be appended after them, and a
            // restart's recovery decides what of it survives.
            throw durability.goOffline("write of " + totalSize + " bytes to", segment.file(), e);
        }
        next = firstOffset;
        for (int[] each : batches) {
            int at = each[0];
            batch.moveTo(at);
            next = batch.baseOffset();
            int lastDelta = batch.lastOffsetDelta();
            long lastOffset = next + lastDelta;
            segment.index(written + (at - start), each[1], next, lastOffset, batch.maxTimestamp(),
                    cfg.indexIntervalBytes(), now);
            if (batch.hasProducerId()) {
                producers.update(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                        next, lastOffset, batch.maxTimestamp());
                if (batch.isTransactional()) {
                    trackTransaction(batch, buffer, at, each[1], segment);
                }
            }
            records += lastDelta + 1L;
            next = lastOffset + 1;
        }
        segment.publish();
        next = end;
        segments.advanceEnd(next);
        appendedRecords.add(records);
        appendedBytes.add(totalSize);
        CompletableFuture<Void> durable = durability.afterAppend(next, records, callerFlushes);
        return new AppendResult(firstOffset, next - 1, next, logAppendTime && !replicated ? now : -1,
                segments.logStartOffset(), false, durable);
    }

    private void checkReplicatedOffsets(BatchHeader batch, List<int[]> batches) {
        long expected = segments.logEndOffset();
        for (int[] each : batches) {
            batch.moveTo(each[0]);
            if (batch.baseOffset() < expected) {
                throw new OffsetOutOfRangeException(name + ": a replicated batch at offset " + batch.baseOffset()
                        + " is below the log end (or the previous batch's end) " + expected);
            }
            expected = batch.lastOffset() + 1;
        }
    }

    /** Before the batch is published: opens its producer's transaction, or closes it at a COMMIT or ABORT marker. */
    private void trackTransaction(BatchHeader batch, ByteBuffer buffer, int at, int size, Segment segment) {
        if (!batch.isControl()) {
            transactions.dataBatch(batch.producerId(), batch.baseOffset());
            return;
        }
        ControlMarker marker = ControlMarker.of(buffer.duplicate().limit(at + size).position(at));
        if (marker == null) {
            return;
        }
        try {
            transactions.marker(batch.producerId(), batch.baseOffset(), marker, segment.txnIndex());
        } catch (IOException | UncheckedIOException e) {
            // The marker's bytes are written: nothing may be appended after them without its index entry.
            throw durability.goOffline("write of an aborted transaction to", segment.txnIndex().file(), e);
        }
    }

    /** Rolls to a new segment when the active one is full, too old, or its index is full. */
    private Segment maybeRoll(int appendSize, TopicConfig cfg, long now) {
        Segment current = segments.active();
        if (current.isEmpty()) {
            if (current.capacity() >= appendSize) {
                return current;
            }
        } else {
            boolean full = (long) current.size() + appendSize > Math.min(cfg.segmentBytes(), current.capacity());
            boolean old = now - current.rollStartMs() >= cfg.segmentMs();
            boolean offsetsOverflow = segments.logEndOffset() + appendSize - current.baseOffset() > Integer.MAX_VALUE;
            if (!full && !old && !current.indexFull() && !offsetsOverflow) {
                return current;
            }
        }
        Segment fresh = segments.roll(Math.max(cfg.segmentBytes(), appendSize));
        snapshotProducers(fresh.baseOffset());
        return fresh;
    }

    /**
     * Writes the producers' state as of the new segment's base, so that a start after a crash reads the headers of
     * the active segment only ({@link ProducerStateFile}). A failure costs only that: the older snapshot stays.
     */
    private void snapshotProducers(long offset) {
        try {
            ProducerStateFile.write(segments.directory(), producers, transactions, offset);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{}: could not write the producers' state at offset {} in {}: {}; the next start reads more batch"
                    + " headers", name, offset, segments.directory(), e.getMessage());
        }
    }
}
