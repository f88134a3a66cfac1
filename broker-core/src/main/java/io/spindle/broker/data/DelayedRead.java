package io.spindle.broker.data;

import io.netty.util.Timeout;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.partition.Partition;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A read waiting in the {@link FetchPurgatory} until it can be answered: a Fetch waiting for min_bytes, a ShareFetch
 * waiting for records to acquire. It is completed exactly once: by an event on one of its partitions after which
 * {@link #attempt} answers, by its timeout (with whatever {@code attempt(true)} answers), or abandoned with no
 * response when its connection closes.
 */
public abstract class DelayedRead {
    final long connectionId;
    final CompletableFuture<ApiResponse> result = new CompletableFuture<>();
    volatile Timeout timeout;
    private boolean completed; // guarded by this

    protected DelayedRead(long connectionId) {
        this.connectionId = connectionId;
    }

    /** The partitions whose events (new data, records released, going offline) may let this read complete. */
    public abstract List<Partition> partitions();

    /**
     * Tries to answer: the response if the read is satisfied now, or in any case when {@code force}; null otherwise.
     * Called under this read's monitor, never twice at once; runs on a read executor thread.
     */
    protected abstract ApiResponse attempt(boolean force);

    /**
     * Completes if {@link #attempt} answers. Returns whether the read is complete (now or earlier). The future
     * completes outside the lock, so its callbacks never run under it.
     */
    final boolean tryComplete(boolean force) {
        ApiResponse response;
        synchronized (this) {
            if (completed) {
                return true;
            }
            response = attempt(force);
            if (response == null) {
                return false;
            }
            completed = true;
        }
        result.complete(response);
        return true;
    }

    /** Completes with no response (its connection is gone); no-op if already complete. */
    final void abandon() {
        synchronized (this) {
            if (completed) {
                return;
            }
            completed = true;
        }
        result.complete(null);
    }
}
