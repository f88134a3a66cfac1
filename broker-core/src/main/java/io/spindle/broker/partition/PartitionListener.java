package io.spindle.broker.partition;

import io.spindle.log.LogIOException;

/**
 * What a {@link Partition} tells those who wait on it: the fetch purgatory (new data to read), metrics, and later
 * replication and the transaction and share-group coordinators. Register with {@link Partitions#addListener}
 * (every partition, present and future) or {@link Partition#addListener} (one).
 *
 * <p>Threading: each method runs on the thread that made the change (a partition writer, the flusher, the
 * thread that truncated, the thread whose write failed). It must be cheap and must not block.
 */
public interface PartitionListener {
    /** The high watermark moved: records below {@code highWatermark} may now be read by consumers. */
    default void highWatermarkAdvanced(Partition partition, long highWatermark) {
    }

    /** Everything below {@code durableOffset} is forced to this broker's disk. */
    default void durable(Partition partition, long durableOffset) {
    }

    /** The log was cut back to end at {@code logEndOffset}. */
    default void truncated(Partition partition, long logEndOffset) {
    }

    /** The partition's storage failed: it takes no appends and serves no reads until a restart recovers it. */
    default void offline(Partition partition, LogIOException cause) {
    }
}
