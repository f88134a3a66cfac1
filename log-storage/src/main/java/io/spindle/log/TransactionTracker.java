package io.spindle.log;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The log's {@link TransactionIndex}: the open transactions and coordinator epochs in memory, the aborted ones in each
 * segment's {@link TxnIndex}. The {@link Appender} tells it of every transactional batch before the batch is
 * published; at load (and after a truncation) the producer-state walk replays every segment's batches into it
 * ({@link #replay}), which is also where a segment's index that cannot be trusted is rebuilt.
 *
 * <p>The aborted entries are never rebuilt by reading the whole log: a segment below the recovery point keeps the
 * index file that was forced with it, and only a segment that recovery re-validated, or whose file is missing or
 * damaged, gets its entries again from its own batches during the walk, which knows by then where each open
 * transaction began.
 *
 * <p>Threading: changed under the partition's write lock (or before the log is shared); read from any thread. The
 * first unstable offset is stored before the batch that opens a transaction is published.
 */
final class TransactionTracker implements TransactionIndex {
    private final Segments segments;
    private final Map<Long, Long> openByProducer = new ConcurrentHashMap<>();
    private final Map<Long, Integer> coordinatorEpochByProducer = new ConcurrentHashMap<>();
    private volatile long firstUnstableOffset = NONE_OPEN;

    TransactionTracker(Segments segments) {
        this.segments = segments;
    }

    @Override
    public long firstUnstableOffset() {
        return firstUnstableOffset;
    }

    @Override
    public int openCount() {
        return openByProducer.size();
    }

    @Override
    public long openTransactionStart(long producerId) {
        return openByProducer.getOrDefault(producerId, -1L);
    }

    @Override
    public int coordinatorEpoch(long producerId) {
        return coordinatorEpochByProducer.getOrDefault(producerId, NO_COORDINATOR_EPOCH);
    }

    @Override
    public List<AbortedTransaction> abortedTransactions(long from, long to) {
        List<AbortedTransaction> found = new ArrayList<>();
        Segment segment = segments.floor(from);
        if (segment == null) {
            segment = segments.first();
        }
        for (; segment != null; segment = segments.higher(segment.baseOffset())) {
            for (AbortedTransaction aborted : segment.txnIndex().entries()) {
                if (aborted.lastOffset() >= from && aborted.firstOffset() < to) {
                    found.add(aborted);
                }
                if (aborted.lastStableOffset() >= to) {
                    return found;       // every transaction begun below `to` was decided by this marker
                }
            }
        }
        return found;
    }

    // ---- changes (write lock held)

    /** A transactional data batch of {@code producerId} at {@code baseOffset}: opens its transaction unless open. */
    void dataBatch(long producerId, long baseOffset) {
        if (openByProducer.putIfAbsent(producerId, baseOffset) == null && baseOffset < firstUnstableOffset) {
            firstUnstableOffset = baseOffset;
        }
    }

    /**
     * A COMMIT or ABORT {@code marker} of {@code producerId} at {@code markerOffset}, in the segment whose index is
     * {@code index}: closes the producer's transaction, and when it aborts one that wrote here, appends the aborted
     * transaction to {@code index} (null: the index is trusted as it is, nothing is appended).
     */
    void marker(long producerId, long markerOffset, ControlMarker marker, TxnIndex index) throws IOException {
        AbortedTransaction aborted = close(producerId, markerOffset, marker);
        if (aborted != null && index != null) {
            index.append(aborted);
        }
    }

    /** Closes the producer's transaction at its marker; returns the aborted transaction to index, or null. */
    private AbortedTransaction close(long producerId, long markerOffset, ControlMarker marker) {
        // The highest seen: the local coordinator's markers (epoch 0) do not lower what a client's marker raised.
        coordinatorEpochByProducer.merge(producerId, marker.coordinatorEpoch(), Math::max);
        Long first = openByProducer.remove(producerId);
        if (first == null) {
            return null;    // the producer wrote nothing here in this transaction (or the cleaner removed it)
        }
        long earliest = earliestOpen();
        firstUnstableOffset = earliest;
        return marker.commit() ? null
                : new AbortedTransaction(producerId, first, markerOffset, Math.min(earliest, markerOffset + 1));
    }

    /** Whether {@code producerId} has a transaction open here. */
    boolean isOpen(long producerId) {
        return openByProducer.containsKey(producerId);
    }

    /** Forgets the coordinator epochs of producers whose state expired (none of them has a transaction open). */
    void forget(List<Long> expiredProducers) {
        for (long producerId : expiredProducers) {
            coordinatorEpochByProducer.remove(producerId);
        }
    }

    /** Forgets everything (before a replay of the whole log). */
    void clear() {
        openByProducer.clear();
        coordinatorEpochByProducer.clear();
        firstUnstableOffset = NONE_OPEN;
    }

    /**
     * Starts the replay of {@code segment}'s batches, in order, after those of every segment before it: its index is
     * read if it was not, and rebuilt by the replay if it cannot be trusted. The rebuilt file replaces the old one
     * whole at {@link Replay#finish} (a temporary file renamed): a crash during the rebuild must not leave a file
     * holding only the first entries, which the next start would trust, its entries being sound.
     */
    Replay replay(Segment segment) throws IOException {
        TxnIndex index = segment.txnIndex();
        boolean rebuild = !index.ensureLoaded(segment.baseOffset(), segment.nextOffset());
        return new Replay(segment, rebuild ? new ArrayList<>() : null);
    }

    /** One segment's replay: feed it every batch with a producer id, then {@link #finish} it. */
    final class Replay {
        private final Segment segment;
        private final List<AbortedTransaction> rebuilding;
        private ByteBuffer control = ByteBuffer.allocate(256);

        private Replay(Segment segment, List<AbortedTransaction> rebuilding) {
            this.segment = segment;
            this.rebuilding = rebuilding;
        }

        /** Whether this replay rebuilds the segment's index. */
        boolean rebuilds() {
            return rebuilding != null;
        }

        void batch(BatchHeader batch) throws IOException {
            if (!batch.isTransactional() || !batch.hasProducerId()) {
                return;
            }
            if (!batch.isControl()) {
                dataBatch(batch.producerId(), batch.baseOffset());
                return;
            }
            int size = (int) batch.sizeInBytes();
            if (control.capacity() < size) {
                control = ByteBuffer.allocate(size);
            }
            control.clear().limit(size);
            segment.copyTo(batch.position(), size, control);
            control.flip();
            ControlMarker marker = ControlMarker.of(control);
            if (marker != null) {
                AbortedTransaction aborted = close(batch.producerId(), batch.baseOffset(), marker);
                if (aborted != null && rebuilding != null) {
                    rebuilding.add(aborted);
                }
            }
        }

        /** Writes a rebuilt index, forced (the segment's own bytes were forced by the load); the caller forces the directory. */
        void finish() throws IOException {
            if (rebuilding != null) {
                segment.txnIndex().writeAll(rebuilding);
            }
        }
    }

    // ---- snapshot (ProducerStateFile), under the write lock or before the log is shared

    /** Bytes {@link #writeTo} needs. */
    int serializedSize() {
        return 4 + openByProducer.size() * 16 + 4 + coordinatorEpochByProducer.size() * 12;
    }

    /**
     * Writes the open transactions, count (int) then per producer its id and the transaction's first offset (longs),
     * and the coordinator epochs, count (int) then per producer its id (long) and epoch (int): what the walk over every
     * batch would rebuild, so that a start from a snapshot knows the last stable offset and the fenced coordinators.
     */
    void writeTo(ByteBuffer out) {
        Map<Long, Long> open = Map.copyOf(openByProducer);
        Map<Long, Integer> epochs = Map.copyOf(coordinatorEpochByProducer);
        out.putInt(open.size());
        open.forEach((producerId, first) -> out.putLong(producerId).putLong(first));
        out.putInt(epochs.size());
        epochs.forEach((producerId, epoch) -> out.putLong(producerId).putInt(epoch));
    }

    /** Replaces the state with what {@link #writeTo} wrote; throws {@link IllegalArgumentException} on bad input. */
    void readFrom(ByteBuffer in) {
        clear();
        try {
            int open = in.getInt();
            if (open < 0 || open > in.remaining() / 16) {
                throw new IllegalArgumentException(open + " open transactions in " + in.remaining() + " bytes");
            }
            for (int i = 0; i < open; i++) {
                long producerId = in.getLong();
                long first = in.getLong();
                if (first < 0) {
                    throw new IllegalArgumentException("producer " + producerId + "'s transaction starts at " + first);
                }
                openByProducer.put(producerId, first);
            }
            int epochs = in.getInt();
            if (epochs < 0 || epochs * 12L != in.remaining()) {
                throw new IllegalArgumentException(epochs + " coordinator epochs in " + in.remaining() + " bytes");
            }
            for (int i = 0; i < epochs; i++) {
                coordinatorEpochByProducer.put(in.getLong(), in.getInt());
            }
        } catch (BufferUnderflowException e) {
            clear();
            throw new IllegalArgumentException("transaction state ends early", e);
        } catch (IllegalArgumentException e) {
            clear();
            throw e;
        }
        firstUnstableOffset = earliestOpen();
    }

    private long earliestOpen() {
        long earliest = NONE_OPEN;
        for (long first : openByProducer.values()) {
            earliest = Math.min(earliest, first);
        }
        return earliest;
    }
}
