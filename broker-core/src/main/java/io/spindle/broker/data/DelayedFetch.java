package io.spindle.broker.data;

import io.netty.util.Timeout;
import io.spindle.broker.ApiResponse;
import java.util.concurrent.CompletableFuture;

/**
 * A fetch waiting in the {@link FetchPurgatory} for min_bytes to arrive or max_wait_ms to pass. It is completed
 * exactly once: by an append that satisfies it, by its timeout (with whatever is there), or abandoned with no
 * response when its connection closes.
 */
final class DelayedFetch {
    final FetchPlan plan;
    final long connectionId;
    final CompletableFuture<ApiResponse> result = new CompletableFuture<>();
    volatile Timeout timeout;
    private boolean completed; // guarded by this

    DelayedFetch(FetchPlan plan, long connectionId) {
        this.plan = plan;
        this.connectionId = connectionId;
    }

    /**
     * Reads the plan and completes if it is satisfied, or in any case when {@code force}. Returns whether the
     * fetch is complete (now or earlier). The future completes outside the lock, so its callbacks never run
     * under it.
     */
    boolean tryComplete(boolean force) {
        FetchRead read;
        synchronized (this) {
            if (completed) {
                return true;
            }
            read = plan.read();
            if (!force && !read.satisfies(plan.minBytes())) {
                read.close();
                return false;
            }
            completed = true;
        }
        result.complete(read.toResponse());
        return true;
    }

    /** Completes with no response (its connection is gone); no-op if already complete. */
    void abandon() {
        synchronized (this) {
            if (completed) {
                return;
            }
            completed = true;
        }
        result.complete(null);
    }
}
