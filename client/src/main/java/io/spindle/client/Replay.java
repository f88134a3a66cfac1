package io.spindle.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads a topic's records in a range, outside any consumer group (nothing is committed). Choose where it starts —
 * {@link #fromBeginning()} (the default), {@link #fromEnd()}, {@link #fromOffset(int, long)} or
 * {@link #fromTimestamp(Instant)} — and where it stops: by default at the partitions' end offsets taken when it
 * opens (records appended later are not included), at {@link #untilOffset(int, long)} /
 * {@link #untilTimestamp(Instant)}, or never with {@link #follow()}. Then {@link #open()}, {@link #stream()} or
 * {@link #forEach(Consumer)}.
 *
 * <p>Records of one partition come in offset order; partitions interleave. A bounded replay that makes no
 * progress for the connection's timeout (the broker gone) fails with a {@link SpindleException}.
 */
public final class Replay<K, V> {
    private static final Duration POLL = Duration.ofMillis(100);

    private final Spindle spindle;
    private final String topic;
    private final Serde<K> keys;
    private final Serde<V> values;
    private final Map<Integer, Long> startOffsets = new LinkedHashMap<>();
    private final Map<Integer, Long> untilOffsets = new HashMap<>();
    private List<Integer> partitions;
    private Start start = Start.BEGINNING;
    private Instant startTime;
    private Instant untilTime;
    private boolean follow;

    private enum Start { BEGINNING, END, OFFSETS, TIMESTAMP }

    Replay(Spindle spindle, String topic, Serde<K> keys, Serde<V> values) {
        this.spindle = spindle;
        this.topic = Objects.requireNonNull(topic, "topic");
        this.keys = keys;
        this.values = values;
    }

    /** Only these partitions (all by default). */
    public Replay<K, V> partitions(List<Integer> partitions) {
        this.partitions = List.copyOf(partitions);
        return this;
    }

    /** From each partition's first record still kept. */
    public Replay<K, V> fromBeginning() {
        start = Start.BEGINNING;
        return this;
    }

    /** From each partition's end: only records appended after opening, so only useful with {@link #follow()}. */
    public Replay<K, V> fromEnd() {
        start = Start.END;
        return this;
    }

    /**
     * From {@code offset} of {@code partition}; call once per partition. Only the partitions named this way are
     * replayed. An offset below the log start begins at the log start.
     */
    public Replay<K, V> fromOffset(int partition, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be 0 or more, not " + offset);
        }
        start = Start.OFFSETS;
        startOffsets.put(partition, offset);
        return this;
    }

    /** From each partition's first record whose timestamp is at or after {@code time}. */
    public Replay<K, V> fromTimestamp(Instant time) {
        start = Start.TIMESTAMP;
        startTime = Objects.requireNonNull(time, "time");
        return this;
    }

    /** Stop {@code partition} before {@code offset} (exclusive). */
    public Replay<K, V> untilOffset(int partition, long offset) {
        untilOffsets.put(partition, offset);
        return this;
    }

    /** Stop each partition before its first record whose timestamp is after {@code time}. */
    public Replay<K, V> untilTimestamp(Instant time) {
        untilTime = Objects.requireNonNull(time, "time");
        return this;
    }

    /** Keep reading new records as they are appended; the replay ends only when closed. */
    public Replay<K, V> follow() {
        follow = true;
        return this;
    }

    /** Positions a consumer as asked; the caller iterates and closes the cursor. */
    public Cursor<K, V> open() {
        return spindle.track(new Cursor<>(this));
    }

    /** The records as a stream; close it (try-with-resources) to release the consumer. */
    public Stream<SpindleRecord<K, V>> stream() {
        Cursor<K, V> cursor = open();
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(cursor, Spliterator.ORDERED), false)
                .onClose(cursor::close);
    }

    /** Hands every record to {@code action}; returns how many there were. */
    public long forEach(Consumer<? super SpindleRecord<K, V>> action) {
        long count = 0;
        try (Cursor<K, V> cursor = open()) {
            while (cursor.hasNext()) {
                action.accept(cursor.next());
                count++;
            }
        }
        return count;
    }

    /**
     * An open replay. {@link #hasNext()} blocks until a record arrives or the range is done; {@link #poll(Duration)}
     * waits at most a given time. Used by one thread; {@link #close()} may be called from another to end a
     * followed replay (the iterating thread then sees the end).
     */
    public static final class Cursor<K, V> implements Iterator<SpindleRecord<K, V>>, AutoCloseable {
        private final Spindle spindle;
        private final String topic;
        private final Serde<K> keys;
        private final Serde<V> values;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread owner = Thread.currentThread();
        /** Exclusive end offset per partition; absent when following. */
        private final Map<TopicPartition, Long> ends = new HashMap<>();
        private final List<TopicPartition> assigned;
        private final long expected;
        private final ArrayList<SpindleRecord<K, V>> buffer = new ArrayList<>();
        private int next;
        private long lastProgress = System.nanoTime();
        private volatile boolean closed;
        private boolean consumerClosed;

        private Cursor(Replay<K, V> replay) {
            this.spindle = replay.spindle;
            this.topic = replay.topic;
            this.keys = replay.keys;
            this.values = replay.values;
            this.assigned = partitionsOf(replay);
            this.consumer = spindle.newKafkaConsumer(Map.of());
            try {
                consumer.assign(assigned);
                seekStart(replay);
                // Seeks to the beginning or end are lazy; resolving them now makes "the end" mean the end at open.
                Map<TopicPartition, Long> starts = new HashMap<>();
                assigned.forEach(partition -> starts.put(partition, consumer.position(partition, timeout())));
                long total = 0;
                Map<TopicPartition, Long> logEnds = replay.follow ? Map.of() : consumer.endOffsets(assigned, timeout());
                Map<TopicPartition, Long> timeEnds = replay.untilTime == null ? Map.of() : offsetsAt(replay.untilTime.plusMillis(1));
                for (TopicPartition partition : assigned) {
                    Long end = replay.follow ? null : logEnds.get(partition);
                    Long until = replay.untilOffsets.get(partition.partition());
                    if (until != null) {
                        end = end == null ? until : Math.min(end, until);
                    }
                    Long timeEnd = timeEnds.get(partition);
                    if (replay.untilTime != null) {
                        end = end == null ? timeEnd : timeEnd == null ? end : Math.min(end, timeEnd);
                    }
                    if (end != null) {
                        ends.put(partition, end);
                        total += Math.max(0, end - starts.get(partition));
                    }
                }
                this.expected = ends.size() == assigned.size() ? total : -1;
            } catch (RuntimeException e) {
                consumer.close();
                throw KafkaCalls.translate(e, spindle.timeout().toMillis(), spindle.bootstrapServers(),
                        "Opening a replay of topic '" + topic + "'", topic, null);
            }
        }

        private List<TopicPartition> partitionsOf(Replay<K, V> replay) {
            int count = spindle.admin().partitionCount(replay.topic);
            List<Integer> wanted = replay.start == Start.OFFSETS ? List.copyOf(replay.startOffsets.keySet())
                    : replay.partitions != null ? replay.partitions : null;
            List<TopicPartition> result = new ArrayList<>();
            if (wanted == null) {
                for (int p = 0; p < count; p++) {
                    result.add(new TopicPartition(replay.topic, p));
                }
                return result;
            }
            for (int p : wanted) {
                if (p < 0 || p >= count) {
                    throw new SpindleException("Topic '" + replay.topic + "' has no partition " + p + " (it has "
                            + count + ")");
                }
                result.add(new TopicPartition(replay.topic, p));
            }
            return result;
        }

        private void seekStart(Replay<K, V> replay) {
            switch (replay.start) {
                case BEGINNING -> consumer.seekToBeginning(assigned);
                case END -> consumer.seekToEnd(assigned);
                case OFFSETS -> {
                    Map<TopicPartition, Long> logStarts = consumer.beginningOffsets(assigned, timeout());
                    for (TopicPartition partition : assigned) {
                        long offset = replay.startOffsets.get(partition.partition());
                        consumer.seek(partition, Math.max(offset, logStarts.get(partition)));
                    }
                }
                case TIMESTAMP -> {
                    Map<TopicPartition, Long> offsets = offsetsAt(replay.startTime);
                    Map<TopicPartition, Long> logEnds = consumer.endOffsets(assigned, timeout());
                    for (TopicPartition partition : assigned) {
                        Long offset = offsets.get(partition);
                        consumer.seek(partition, offset != null ? offset : logEnds.get(partition));
                    }
                }
            }
        }

        /** Per partition, the first offset whose timestamp is at or after {@code time}; absent if none is. */
        private Map<TopicPartition, Long> offsetsAt(Instant time) {
            Map<TopicPartition, Long> query = new HashMap<>();
            assigned.forEach(partition -> query.put(partition, time.toEpochMilli()));
            Map<TopicPartition, Long> result = new HashMap<>();
            Map<TopicPartition, Long> logEnds = null;
            for (Map.Entry<TopicPartition, OffsetAndTimestamp> found : consumer.offsetsForTimes(query, timeout()).entrySet()) {
                if (found.getValue() != null) {
                    result.put(found.getKey(), found.getValue().offset());
                } else {
                    if (logEnds == null) {
                        logEnds = consumer.endOffsets(assigned, timeout());
                    }
                    result.put(found.getKey(), logEnds.get(found.getKey()));
                }
            }
            return result;
        }

        private Duration timeout() {
            return spindle.timeout();
        }

        /** How many records the range holds (from the start positions to the end offsets), or -1 when following. */
        public long expectedRecords() {
            return expected;
        }

        /** Whether every partition has reached its end offset (never, when following). */
        public boolean isFinished() {
            if (ends.size() < assigned.size()) {
                return false;
            }
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                if (consumer.position(end.getKey(), timeout()) < end.getValue()) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean hasNext() {
            while (next >= buffer.size()) {
                if (closed || isFinished()) {
                    closeConsumer();
                    return false;
                }
                fill(POLL);
            }
            return true;
        }

        @Override
        public SpindleRecord<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException("The replay of topic '" + topic + "' has no more records");
            }
            return buffer.get(next++);
        }

        /**
         * The records that arrive within {@code wait} (an empty list if none did, or if the range is done:
         * {@link #isFinished()} tells which).
         */
        public List<SpindleRecord<K, V>> poll(Duration wait) {
            if (next >= buffer.size() && !closed && !isFinished()) {
                fill(wait);
            }
            List<SpindleRecord<K, V>> records = new ArrayList<>(buffer.subList(next, buffer.size()));
            buffer.clear();
            next = 0;
            return records;
        }

        private void fill(Duration wait) {
            buffer.clear();
            next = 0;
            List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>();
            try {
                consumer.poll(wait).forEach(polled::add);
            } catch (WakeupException e) {
                return;     // close() from another thread
            }
            for (ConsumerRecord<byte[], byte[]> record : polled) {
                Long end = ends.get(new TopicPartition(record.topic(), record.partition()));
                if (end == null || record.offset() < end) {
                    buffer.add(SpindleRecord.from(record, keys, values));
                }
            }
            if (!polled.isEmpty() || ends.size() < assigned.size()) {
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > timeout().toNanos()) {
                throw new SpindleException("The replay of topic '" + topic + "' made no progress for "
                        + timeout().toMillis() + " ms at positions " + positions() + " (ends " + ends + ")");
            }
        }

        private Map<TopicPartition, Long> positions() {
            Map<TopicPartition, Long> positions = new LinkedHashMap<>();
            assigned.forEach(partition -> positions.put(partition, consumer.position(partition, timeout())));
            return positions;
        }

        private void closeConsumer() {
            if (!consumerClosed) {
                consumerClosed = true;
                spindle.untrack(this);
                consumer.close(Duration.ZERO);
            }
        }

        /** Ends the replay. From the iterating thread it releases the consumer; from another, it wakes the iterator. */
        @Override
        public void close() {
            closed = true;
            if (Thread.currentThread() == owner) {
                closeConsumer();
            } else {
                consumer.wakeup();
            }
        }
    }
}
