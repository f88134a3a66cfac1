package io.spindle.log;

/**
 * What a {@link PartitionLog} tells those who watch it: the partition layer above (which wakes waiting fetches,
 * and later replicates), metrics, tests. Any number may listen ({@link PartitionLog#addListener}).
 *
 * <p>Threading: each method runs on the thread that made the change (a writer, the flusher, the thread that
 * truncated or failed), after the change is visible to readers. It must be cheap and must not block or call back
 * into the log's writing methods.
 */
public interface LogListener {
    /** Batches were appended; the log now ends at {@code logEndOffset}. Not called for a duplicate (retried) batch. */
    default void appended(PartitionLog log, long logEndOffset) {
    }

    /** Everything below {@code durableOffset} is now forced to disk. */
    default void durable(PartitionLog log, long durableOffset) {
    }

    /** The log was cut back; it now ends at {@code logEndOffset}. */
    default void truncated(PartitionLog log, long logEndOffset) {
    }

    /**
     * A write or fsync failed: the log takes no more appends and acknowledges nothing more until the broker
     * restarts and recovers it. Called once.
     */
    default void offline(PartitionLog log, LogIOException cause) {
    }
}
