package io.spindle.log;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * The idempotent producers a partition has seen: per producer id, its epoch and its last five batches'
 * sequence ranges and offsets, as Kafka keeps them (a producer has at most five batches in flight, so a
 * retry always matches one of them). Rebuilt from the batch headers when the log opens.
 *
 * <p>Transaction markers (control batches, written by the transaction coordinator with no sequence) carry a
 * producer's id and epoch but no sequence: they may raise the producer's epoch (an aborted transaction fences the
 * producer that ran it) and leave its sequences alone, so the producer's next batch continues where it was.
 *
 * <p>Expiry (Kafka's {@code producer.id.expiration.ms}): a producer whose last batch or marker here carries a timestamp
 * at least the expiration older than the broker's clock, and that has no transaction open here, is forgotten
 * ({@link #removeExpired}): by the periodic check, and at load for what the snapshot and the batch headers bring back.
 * Its next batch then starts it again with any sequence, as a new producer's would (Kafka's rule for a producer it has
 * no state of).
 *
 * <p>Not thread-safe: used under the partition's write lock, except {@link #size()}, which any thread may read.
 */
final class ProducerStateTable {
    static final int NO_PRODUCER_ID = -1;
    /** The base sequence of a batch without one: a transaction marker. */
    static final int NO_SEQUENCE = -1;
    private static final int BATCHES_KEPT = 5;

    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** {@code producers.size()}, for meters read without the lock. */
    private volatile int count;

    /** A batch seen from a producer. */
    record BatchRange(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {
    }

    private static final class ProducerEntry {
        short epoch;
        long lastTimestamp = -1L;
        final ArrayDeque<BatchRange> batches = new ArrayDeque<>(BATCHES_KEPT);

        int lastSequence() {
            return batches.isEmpty() ? -1 : batches.peekLast().lastSequence();
        }
    }

    /**
     * Checks a batch against the producer's state. Returns the original range when the batch is a retry of
     * one already appended, null when it is new and in sequence; throws when it is fenced or out of order.
     */
    BatchRange check(String partition, long producerId, short epoch, int firstSequence, int lastSequence) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return null; // a new producer, or one whose batches retention removed: any sequence starts it
        }
        if (epoch < entry.epoch) {
            throw new InvalidProducerEpochException("producer " + producerId + " epoch " + epoch
                    + " is older than the current epoch " + entry.epoch + " on " + partition);
        }
        if (firstSequence == NO_SEQUENCE) {
            return null; // a transaction marker: never a retry, never out of sequence
        }
        if (epoch > entry.epoch) {
            if (firstSequence != 0) {
                throw new OutOfOrderSequenceException("producer " + producerId + " started epoch " + epoch
                        + " with sequence " + firstSequence + " instead of 0 on " + partition);
            }
            return null;
        }
        for (BatchRange range : entry.batches) {
            if (range.firstSequence() == firstSequence && range.lastSequence() == lastSequence) {
                return range;
            }
        }
        int last = entry.lastSequence();
        boolean inSequence = firstSequence == last + 1 || (firstSequence == 0 && last == Integer.MAX_VALUE);
        if (!inSequence) {
            throw new OutOfOrderSequenceException("producer " + producerId + " sent sequence " + firstSequence
                    + " after " + last + " on " + partition);
        }
        return null;
    }

    /**
     * Records an appended batch (a transaction marker when {@code firstSequence} is {@link #NO_SEQUENCE}) whose
     * largest record timestamp is {@code maxTimestamp}.
     */
    void update(long producerId, short epoch, int firstSequence, int lastSequence, long firstOffset, long lastOffset,
                long maxTimestamp) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            entry = new ProducerEntry();
            producers.put(producerId, entry);
            count = producers.size();
        }
        entry.lastTimestamp = maxTimestamp;
        if (firstSequence == NO_SEQUENCE) {
            if (epoch != entry.epoch) {
                entry.epoch = epoch;
                entry.batches.clear();
            }
            return;
        }
        if (epoch != entry.epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        if (entry.batches.size() == BATCHES_KEPT) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(new BatchRange(firstSequence, lastSequence, firstOffset, lastOffset));
    }

    /** Each producer's last batch's last offset, by producer id: the batches a compaction keeps. */
    Map<Long, Long> lastOffsets() {
        Map<Long, Long> last = new HashMap<>();
        producers.forEach((id, entry) -> {
            if (!entry.batches.isEmpty()) {
                last.put(id, entry.batches.peekLast().lastOffset());
            }
        });
        return last;
    }

    /** Forgets batches at or after {@code offset} (the log was cut there during recovery). */
    void truncateFrom(long offset) {
        Iterator<ProducerEntry> it = producers.values().iterator();
        while (it.hasNext()) {
            ProducerEntry entry = it.next();
            entry.batches.removeIf(b -> b.lastOffset() >= offset);
            if (entry.batches.isEmpty()) {
                it.remove();
            }
        }
        count = producers.size();
    }

    /**
     * Forgets the producers idle for {@code expirationMs} or more at {@code nowMs} (by the timestamp of their last
     * batch or marker) that have no transaction open ({@code transactionOpen} says which have); returns their ids.
     */
    List<Long> removeExpired(long nowMs, long expirationMs, LongPredicate transactionOpen) {
        List<Long> removed = new ArrayList<>();
        Iterator<Map.Entry<Long, ProducerEntry>> it = producers.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, ProducerEntry> producer = it.next();
            if (nowMs - producer.getValue().lastTimestamp >= expirationMs && !transactionOpen.test(producer.getKey())) {
                removed.add(producer.getKey());
                it.remove();
            }
        }
        count = producers.size();
        return removed;
    }

    /** Forgets every producer (before a rebuild from the log). */
    void clear() {
        producers.clear();
        count = 0;
    }

    /** Every producer known, as DescribeProducers shows them. */
    List<ProducerSnapshot> snapshot() {
        List<ProducerSnapshot> all = new ArrayList<>(producers.size());
        producers.forEach((id, entry) -> all.add(new ProducerSnapshot(id, entry.epoch, entry.lastSequence(),
                entry.lastTimestamp)));
        return all;
    }

    /** How many producers are known; any thread. */
    int size() {
        return count;
    }

    /** Bytes {@link #writeTo} needs. */
    int serializedSize() {
        int size = 4;
        for (ProducerEntry entry : producers.values()) {
            size += 8 + 2 + 8 + 1 + entry.batches.size() * 24;
        }
        return size;
    }

    /**
     * Writes every producer: count (int), then per producer its id (long), epoch (short), last timestamp (long),
     * batch count (byte) and per batch first and last sequence (ints), first and last offset (longs).
     */
    void writeTo(ByteBuffer out) {
        out.putInt(producers.size());
        producers.forEach((id, entry) -> {
            out.putLong(id).putShort(entry.epoch).putLong(entry.lastTimestamp).put((byte) entry.batches.size());
            for (BatchRange b : entry.batches) {
                out.putInt(b.firstSequence()).putInt(b.lastSequence()).putLong(b.firstOffset()).putLong(b.lastOffset());
            }
        });
    }

    /** Replaces the table with what {@link #writeTo} wrote; throws {@link IllegalArgumentException} on bad input. */
    void readFrom(ByteBuffer in) {
        clear();
        try {
            int entries = in.getInt();
            for (int i = 0; i < entries; i++) {
                ProducerEntry entry = new ProducerEntry();
                long id = in.getLong();
                entry.epoch = in.getShort();
                entry.lastTimestamp = in.getLong();
                int batches = in.get();
                if (batches < 0 || batches > BATCHES_KEPT) {
                    throw new IllegalArgumentException("producer " + id + " has " + batches + " batches");
                }
                for (int j = 0; j < batches; j++) {
                    entry.batches.addLast(new BatchRange(in.getInt(), in.getInt(), in.getLong(), in.getLong()));
                }
                producers.put(id, entry);
            }
            count = producers.size();
        } catch (java.nio.BufferUnderflowException e) {
            clear();
            throw new IllegalArgumentException("producer state ends early", e);
        }
    }
}
