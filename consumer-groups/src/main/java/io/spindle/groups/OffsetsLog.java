package io.spindle.groups;

import io.spindle.log.AppendResult;
import io.spindle.log.LogSlice;
import io.spindle.log.PartitionLog;
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
 * A coordinator's state as a log of key/value records in partition 0 of an internal topic: the group
 * coordinator's in {@code __consumer_offsets} (format in {@link OffsetsRecords}), the share-group coordinator's in
 * {@code __share_group_state} (module share-groups, its own format). Replaying the log from its start in order rebuilds the state: the last record of
 * a key wins, a null value deletes it.
 *
 * <p>Bounded size, by snapshots: once more than {@code max(snapshotMinBytes, 2 x last snapshot)} bytes were
 * appended since the last snapshot began, the coordinator appends a snapshot, i.e. the current value of every
 * live key, and once that snapshot is durable deletes every segment wholly before it. That is safe because a
 * replay of any suffix that starts at or before a complete snapshot yields the same state as the whole log: a
 * key live at the snapshot has a record in it, and a key deleted before it has its value and tombstone both
 * before it (or both inside the kept suffix). A snapshot interrupted by a crash is harmless: nothing was
 * deleted yet, and its records only repeat current values. So the log stays within about
 * {@code segment.bytes + snapshot interval + snapshot size} plus one segment's preallocation, however many
 * commits arrive. The segments go through {@link PartitionLog#deleteSegmentsBefore}, which never touches the
 * segment holding the snapshot's first record or anything after it.
 *
 * <p>Not thread-safe: its owner serializes the calls (the group coordinator on its thread, the share coordinator
 * under a monitor).
 */
public final class OffsetsLog {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetsLog.class);
    /** Records per batch are capped so one batch stays far below segment.bytes and max.message.bytes. */
    private static final int MAX_BATCH_BYTES = 256 * 1024;
    private static final int READ_BYTES = 1024 * 1024;

    private final PartitionLog log;
    private final Clock clock;
    private final long snapshotMinBytes;
    private long bytesSinceSnapshot;
    private long lastSnapshotBytes;
    /** Bytes this object appended, ever (never decreases, unlike the log's size, which retention lowers). */
    private long appendedBytes;

    /** One record: {@code value} null for a tombstone. */
    public record Entry(byte[] key, byte[] value) {
    }

    /** Receives replayed records in log order. */
    public interface Visitor {
        void record(ByteBuffer key, ByteBuffer value);
    }

    public OffsetsLog(PartitionLog log, Clock clock, long snapshotMinBytes) {
        this.log = log;
        this.clock = clock;
        this.snapshotMinBytes = snapshotMinBytes;
    }

    public PartitionLog partitionLog() {
        return log;
    }

    /** Reads every record from the log start to its end. */
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
        bytesSinceSnapshot = log.sizeInBytes();
        LOG.info("Loaded {} state record(s) from {}-{} (offsets {} to {}, {} bytes)", records, log.topic(), log.partition(),
                log.logStartOffset(), end, bytesSinceSnapshot);
    }

    /**
     * Appends the entries (atomically: all or none) and returns when they count as durable per the flush policy.
     *
     * @throws io.spindle.log.LogStorageException when the append fails; nothing was appended
     */
    public CompletableFuture<Void> append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        ByteBuffer records = encode(entries);
        int size = records.remaining();
        AppendResult result = log.append(records);
        bytesSinceSnapshot += size;
        appendedBytes += size;
        return result.durable();
    }

    /** True once enough was appended since the last snapshot that writing one pays for itself. */
    public boolean snapshotDue() {
        return bytesSinceSnapshot > Math.max(snapshotMinBytes, 2 * lastSnapshotBytes);
    }

    /**
     * Appends {@code state} (every live key) as a snapshot; once it is durable, {@code trimmer} is handed a task
     * to run on the coordinator thread that deletes the segments before it.
     */
    public void snapshot(List<Entry> state, java.util.function.Consumer<Runnable> trimmer) {
        long appendedBefore = appendedBytes;
        long startOffset = log.logEndOffset();
        CompletableFuture<Void> durable = append(state);
        long snapshotBytes = appendedBytes - appendedBefore;
        lastSnapshotBytes = snapshotBytes;
        bytesSinceSnapshot = snapshotBytes;
        durable.whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.error("Snapshot of the group state at offset {} of {}-{} did not become durable; keeping older segments: {}",
                        startOffset, log.topic(), log.partition(), failure.toString());
                return;
            }
            trimmer.accept(() -> trimBefore(startOffset));
        });
    }

    /** Deletes the segments wholly before the snapshot that starts at {@code snapshotStart}. */
    private void trimBefore(long snapshotStart) {
        int before = log.segmentCount();
        log.deleteSegmentsBefore(snapshotStart);
        LOG.debug("Group state snapshot: {}-{} went from {} to {} segment(s), log start offset {}", log.topic(),
                log.partition(), before, log.segmentCount(), log.logStartOffset());
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
