package io.spindle.log;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A coordinator's state as a log of key/value records in partition 0 of an internal compacted topic: the group
 * coordinator's in {@code __consumer_offsets}, the share-group coordinator's in {@code __share_group_state}, the
 * transaction coordinator's in {@code __transaction_state}; each owner has its own record format and sees only bytes
 * here. Replaying the log from its start in order rebuilds the state: the last record of a key wins, a null value
 * (a tombstone) deletes it.
 *
 * <p>Bounded size, by compaction alone: the topic has {@code cleanup.policy=compact}, so the log cleaner keeps the
 * record with the highest offset of each key and drops a tombstone after {@code delete.retention.ms}. Replaying
 * a compacted log gives the same state as replaying the whole one, because only the last record of a key counts;
 * the holes compaction leaves in the offsets are skipped by the replay, which reads batch after batch. Every
 * record has a key (a compacted topic has no use for one without). A log written by an older version, whose
 * coordinator appended snapshots (the current value of every live key again) and deleted the segments wholly
 * before them, replays the same way: a snapshot's records are ordinary records that repeat current values, and
 * the log simply starts later.
 *
 * <p>Not thread-safe: its owner serializes the calls (a coordinator on its thread, or under a monitor).
 */
public final class KeyedStateLog {
    private static final Logger LOG = LoggerFactory.getLogger(KeyedStateLog.class);
    /** Records per batch are capped so one batch stays far below segment.bytes and max.message.bytes. */
    private static final int MAX_BATCH_BYTES = 256 * 1024;
    private static final int READ_BYTES = 1024 * 1024;

    private final PartitionLog log;
    private final Writer writer;
    private final Clock clock;

    /**
     * Appends encoded batches to the state log and says when they count as written: on one broker when the log holds
     * them durably ({@link #durableWriter}); in a cluster when the in-sync replicas do too (acks=all). Returns the
     * future of that; throws {@link LogStorageException} only when nothing was appended.
     */
    @FunctionalInterface
    public interface Writer {
        CompletableFuture<Void> write(ByteBuffer batches);
    }

    /** Appends to {@code log} and completes when it counts the batches durable under its flush policy. */
    public static Writer durableWriter(PartitionLog log) {
        return batches -> log.append(batches).durable();
    }

    /** One record: {@code value} null for a tombstone. */
    public record Entry(byte[] key, byte[] value) {
    }

    /** Receives replayed records in log order; an exception it throws names the record's offset in the failure. */
    public interface Visitor {
        /** @param value null for a tombstone */
        void record(ByteBuffer key, ByteBuffer value);
    }

    public KeyedStateLog(PartitionLog log, Clock clock) {
        this(log, durableWriter(log), clock);
    }

    /** Reads {@code log}; appends go through {@code writer}, which writes to the same log. */
    public KeyedStateLog(PartitionLog log, Writer writer, Clock clock) {
        this.log = log;
        this.writer = writer;
        this.clock = clock;
    }

    public PartitionLog partitionLog() {
        return log;
    }

    /**
     * Reads every record from the log start to its end.
     *
     * @throws IllegalStateException naming the log and the offset when a record cannot be read back
     */
    public void replay(Visitor visitor) {
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        long records = 0;
        while (offset < end) {
            ByteBuffer buffer;
            try (LogSlice slice = log.read(offset, READ_BYTES)) {
                if (slice.isEmpty()) {
                    break;
                }
                buffer = ByteBuffer.allocate(slice.sizeInBytes());
                slice.copyTo(buffer);
                buffer.flip();
            }
            long next = offset;
            for (RecordBatch batch : MemoryRecords.readableRecords(buffer).batches()) {
                for (Record record : batch) {
                    if (record.offset() >= offset && record.hasKey()) {
                        try {
                            visitor.record(record.key(), record.hasValue() ? record.value() : null);
                        } catch (RuntimeException e) {
                            throw new IllegalStateException(log.topic() + "-" + log.partition() + ": the record at offset "
                                    + record.offset() + " cannot be read back: " + e.getMessage(), e);
                        }
                        records++;
                    }
                }
                next = batch.nextOffset();
            }
            if (next <= offset) {
                throw new IllegalStateException(log.topic() + "-" + log.partition() + ": no progress reading at offset " + offset);
            }
            offset = next;
        }
        LOG.info("Loaded {} state record(s) from {}-{} (offsets {} to {}, {} bytes)", records, log.topic(), log.partition(),
                log.logStartOffset(), end, log.sizeInBytes());
    }

    /**
     * Appends the entries (atomically: all or none) and returns when they count as written (see {@link Writer}).
     *
     * @throws LogStorageException when the append fails; nothing was appended
     * @throws IllegalArgumentException naming the log when an entry has no key; nothing was appended
     */
    public CompletableFuture<Void> append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        for (Entry entry : entries) {
            if (entry.key() == null) {
                throw new IllegalArgumentException(log.topic() + "-" + log.partition()
                        + ": a state record without a key cannot be kept in a compacted log");
            }
        }
        return writer.write(encode(entries));
    }

    private ByteBuffer encode(List<Entry> entries) {
        long now = clock.millis();
        List<MemoryRecords> batches = new ArrayList<>();
        int total = 0;
        int i = 0;
        while (i < entries.size()) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.min(MAX_BATCH_BYTES, estimate(entries, i)) + 128);
            MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
            int bytes = 0;
            do {
                Entry entry = entries.get(i++);
                builder.append(now, entry.key(), entry.value());
                bytes += entry.key().length + (entry.value() == null ? 0 : entry.value().length) + 24;
            } while (i < entries.size() && bytes < MAX_BATCH_BYTES);
            MemoryRecords batch = builder.build();
            batches.add(batch);
            total += batch.sizeInBytes();
        }
        if (batches.size() == 1) {
            return batches.get(0).buffer();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        for (MemoryRecords batch : batches) {
            all.put(batch.buffer());
        }
        return all.flip();
    }

    private static int estimate(List<Entry> entries, int from) {
        long bytes = 0;
        for (int i = from; i < entries.size() && bytes < MAX_BATCH_BYTES; i++) {
            Entry e = entries.get(i);
            bytes += e.key().length + (e.value() == null ? 0 : e.value().length) + 24;
        }
        return (int) Math.min(bytes, MAX_BATCH_BYTES);
    }
}
