package io.spindle.log;

import io.spindle.config.FlushMode;
import io.spindle.config.StorageSettings;

/**
 * When appended bytes are forced to disk, and when an append counts as durable.
 * <ul>
 *   <li>{@code FSYNC}: an append is durable once an fsync covering it has returned. Appends that arrive
 *       while one fsync runs share the next (group commit).</li>
 *   <li>{@code INTERVAL}: fsync every {@code intervalMs} or every {@code intervalMessages} records; an append
 *       counts as durable at once (what a crash of the machine can lose is bounded by the interval).</li>
 *   <li>{@code NONE}: the page cache only, as Kafka by default; the OS writes back when it likes.</li>
 * </ul>
 */
public record FlushPolicy(FlushMode mode, long intervalMs, long intervalMessages) {
    public FlushPolicy {
        if (mode == null) {
            throw new IllegalArgumentException("flush mode is required");
        }
        if (intervalMs < 1 || intervalMessages < 1) {
            throw new IllegalArgumentException("flush intervals must be positive: " + intervalMs + " ms, " + intervalMessages + " messages");
        }
    }

    /** The flush.* settings of the broker's storage section. */
    public static FlushPolicy from(StorageSettings storage) {
        return new FlushPolicy(storage.flushMode(), storage.flushIntervalMs(), storage.flushIntervalMessages());
    }

    public static FlushPolicy fsync() {
        return new FlushPolicy(FlushMode.FSYNC, 1000, 10_000);
    }

    /** True when an append waits for an fsync before it counts as durable. */
    public boolean acknowledgesAfterFsync() {
        return mode == FlushMode.FSYNC;
    }
}
