package io.spindle.txn;

import io.spindle.log.AppendResult;
import io.spindle.log.LogSlice;
import io.spindle.log.PartitionLog;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's state as key/value records ({@link TransactionRecords}) in partition 0 of
 * {@code __transaction_state}. Replaying the log in order rebuilds the state: the last record of a transactional
 * id wins, a tombstone forgets it.
 *
 * <p>Bounded size, by snapshots (as {@code __consumer_offsets} was before it relied on compaction alone): once more than
 * {@code max(snapshotMinBytes, 2 x last snapshot)} bytes were appended since the last snapshot began, the current
 * value of every live id is appended again, and once that is durable every segment wholly before it is deleted.
 * A replay that starts at a complete snapshot yields the same state as the whole log; an interrupted snapshot
 * deleted nothing. (The compaction cleaner, once it runs, makes this redundant.)
 *
 * <p>Not thread-safe: called on the coordinator thread only.
 */
final class TransactionStateLog {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionStateLog.class);
    private static final int READ_BYTES = 1024 * 1024;
    private static final int MAX_BATCH_BYTES = 256 * 1024;

    private final PartitionLog log;
    private final Clock clock;
    private final long snapshotMinBytes;
    private long bytesSinceSnapshot;
    private long lastSnapshotBytes;

    TransactionStateLog(PartitionLog log, Clock clock, long snapshotMinBytes) {
        this.log = log;
        this.clock = clock;
        this.snapshotMinBytes = snapshotMinBytes;
    }

    PartitionLog partitionLog() {
        return log;
    }

    /** Hands every stored (transactional id, value or null) to {@code visitor}, in log order. */
    void replay(BiConsumer<String, TransactionMetadata> visitor) {
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
                    if (record.offset() < offset || !record.hasKey()) {
                        continue;
                    }
                    try {
                        String id = TransactionRecords.readKey(record.key());
                        visitor.accept(id, record.hasValue() ? TransactionRecords.readValue(id, record.value()) : null);
                    } catch (RuntimeException e) {
                        throw new IllegalStateException(log.topic() + "-" + log.partition() + ": the record at offset "
                                + record.offset() + " cannot be read back: " + e.getMessage(), e);
                    }
                    records++;
                }
                next = batch.nextOffset();
            }
            if (next <= offset) {
                throw new IllegalStateException(log.topic() + "-" + log.partition() + ": no progress reading at offset " + offset);
            }
            offset = next;
        }
        bytesSinceSnapshot = log.sizeInBytes();
        LOG.info("Loaded {} transaction state record(s) from {}-{} (offsets {} to {})", records, log.topic(),
                log.partition(), log.logStartOffset(), end);
    }

    /**
     * Appends the value of {@code metadata} (a tombstone when it is {@link TransactionState#DEAD}); the future
     * completes when it is durable per the flush policy.
     *
     * @throws io.spindle.log.LogStorageException when the append fails; nothing was appended
     */
    CompletableFuture<Void> append(TransactionMetadata metadata) {
        return append(List.of(metadata));
    }

    private CompletableFuture<Void> append(List<TransactionMetadata> values) {
        ByteBuffer records = encode(values);
        int size = records.remaining();
        AppendResult result = log.append(records);
        bytesSinceSnapshot += size;
        return result.durable();
    }

    boolean snapshotDue() {
        return bytesSinceSnapshot > Math.max(snapshotMinBytes, 2 * lastSnapshotBytes);
    }

    /**
     * Appends every live value as a snapshot; once it is durable, {@code onCoordinator} is handed the task that
     * deletes the segments before it, to run on the coordinator thread.
     */
    void snapshot(List<TransactionMetadata> live, Consumer<Runnable> onCoordinator) {
        long start = log.logEndOffset();
        long before = bytesSinceSnapshot;
        CompletableFuture<Void> durable = live.isEmpty() ? CompletableFuture.completedFuture(null) : append(live);
        lastSnapshotBytes = bytesSinceSnapshot - before;
        bytesSinceSnapshot = lastSnapshotBytes;
        durable.whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.error("Snapshot of the transaction state at offset {} of {}-{} did not become durable; keeping "
                        + "older segments: {}", start, log.topic(), log.partition(), failure.toString());
                return;
            }
            onCoordinator.accept(() -> log.deleteSegmentsBefore(start));
        });
    }

    private ByteBuffer encode(List<TransactionMetadata> values) {
        long now = clock.millis();
        List<MemoryRecords> batches = new ArrayList<>();
        int total = 0;
        int i = 0;
        while (i < values.size()) {
            ByteBuffer buffer = ByteBuffer.allocate(MAX_BATCH_BYTES / 4);
            MemoryRecordsBuilder builder = MemoryRecords.builder(buffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
            int bytes = 0;
            do {
                TransactionMetadata m = values.get(i++);
                byte[] key = TransactionRecords.key(m.transactionalId());
                byte[] value = m.state() == TransactionState.DEAD ? null : TransactionRecords.value(m);
                builder.append(now, key, value);
                bytes += key.length + (value == null ? 0 : value.length) + 24;
            } while (i < values.size() && bytes < MAX_BATCH_BYTES);
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
}
