package io.spindle.txn;

import io.spindle.log.KeyedStateLog;
import io.spindle.log.PartitionLog;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The coordinator's state as key/value records ({@link TransactionRecords}) in partition 0 of
 * {@code __transaction_state}, kept through a {@link KeyedStateLog}: replaying the log in order rebuilds the state,
 * the last record of a transactional id wins and a tombstone forgets it.
 *
 * <p>Bounded size, by compaction alone, as {@code __consumer_offsets} and {@code __share_group_state}: the topic has
 * {@code cleanup.policy=compact}, so the log cleaner keeps the last record of each id. A log written by the version
 * before, which appended snapshots (every live id again) and deleted the segments wholly before them, replays the
 * same: its snapshot records are ordinary records that repeat current values.
 *
 * <p>Not thread-safe: called on the coordinator thread only.
 */
final class TransactionStateLog {
    private final KeyedStateLog log;

    TransactionStateLog(PartitionLog log, Clock clock) {
        this(new KeyedStateLog(log, clock));
    }

    TransactionStateLog(KeyedStateLog log) {
        this.log = log;
    }

    PartitionLog partitionLog() {
        return log.partitionLog();
    }

    /**
     * Hands every stored (transactional id, value or null) to {@code visitor}, in log order.
     *
     * @throws IllegalStateException naming the log and the offset when a record cannot be read back
     */
    void replay(BiConsumer<String, TransactionMetadata> visitor) {
        log.replay((key, value) -> {
            String id = TransactionRecords.readKey(key);
            visitor.accept(id, value == null ? null : TransactionRecords.readValue(id, value));
        });
    }

    /**
     * Appends the value of {@code metadata} (a tombstone when it is {@link TransactionState#DEAD}); the future
     * completes when it is durable per the flush policy.
     *
     * @throws io.spindle.log.LogStorageException when the append fails; nothing was appended
     */
    CompletableFuture<Void> append(TransactionMetadata metadata) {
        byte[] value = metadata.state() == TransactionState.DEAD ? null : TransactionRecords.value(metadata);
        return log.append(List.of(new KeyedStateLog.Entry(TransactionRecords.key(metadata.transactionalId()), value)));
    }
}
