package io.spindle.broker.data;

import io.netty.util.Timer;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.PartitionListener;
import io.spindle.log.LogIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Long-poll reads waiting for data: Fetch ({@link DelayedFetch}) and ShareFetch (broker.share), each a
 * {@link DelayedRead}. No thread waits per fetch: each waiting fetch is registered under every
 * partition it reads and completed by the new data that satisfies it (the partition's high watermark moving
 * wakes it, a read executor thread
 * reads it again) or by its timeout on a timer wheel; it is dropped without a response when its connection
 * closes.
 *
 * <p>Registration re-reads the plan after the fetch is watched, so an append landing between the first read and
 * the registration is not missed.
 *
 * <p>A connection registers one close action the first time it waits, not one per fetch, so a consumer that
 * long-polls for hours does not pile up close actions.
 *
 * <p>Thread-safe.
 */
public final class FetchPurgatory implements PartitionListener, AutoCloseable {
    private final Timer timer;
    private final Executor readExecutor;
    private final ConcurrentMap<Partition, Watchers> watchers = new ConcurrentHashMap<>();
    private final ConcurrentMap<Long, Set<DelayedRead>> waitingByConnection = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param timer          where waits time out; its owner stops it before closing this purgatory
     * @param readExecutor where waiting fetches are read again when woken or timed out (off the writer and timer threads)
     */
    FetchPurgatory(Timer timer, Executor readExecutor) {
        this.timer = timer;
        this.readExecutor = readExecutor;
    }

    /** Waits until the plan reads at least its min bytes, or {@code maxWaitMs} passes, or the connection closes. */
    CompletableFuture<ApiResponse> await(FetchPlan plan, long maxWaitMs, ClientConnection connection) {
        return await(new DelayedFetch(plan, connection.id()), maxWaitMs, connection);
    }

    /**
     * Waits until {@code fetch} answers, or {@code maxWaitMs} passes (then it answers with what is there), or the
     * connection closes (no answer). {@code fetch} is tried once more right after it is registered.
     */
    public CompletableFuture<ApiResponse> await(DelayedRead fetch, long maxWaitMs, ClientConnection connection) {
        if (closed) {
            fetch.tryComplete(true);
            return fetch.result;
        }
        for (Partition partition : fetch.partitions()) {
            watchers.compute(partition, (key, existing) -> {
                Watchers watching = existing == null ? new Watchers() : existing;
                watching.fetches.add(fetch);
                return watching;
            });
        }
        track(fetch, connection);
        try {
            fetch.timeout = timer.newTimeout(timeout -> expire(fetch), maxWaitMs, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException stopped) {
            // The timer stopped: the purgatory is closing. Answer with what is there.
            complete(fetch, true);
            return fetch.result;
        }
        complete(fetch, false);
        return fetch.result;
    }

    /**
     * Wakes the fetches waiting on {@code partition}; called each time its high watermark moves, on the thread that
     * moved it (a partition writer). The waiting fetches are read again on the read executor, so the writer goes on
     * with its next append; wake-ups of one partition coalesce while one is queued.
     */
    @Override
    public void highWatermarkAdvanced(Partition partition, long highWatermark) {
        wake(partition);
    }

    /** A partition that went offline answers its waiting fetches now, with the storage error. */
    @Override
    public void offline(Partition partition, LogIOException cause) {
        wake(partition);
    }

    /**
     * Wakes the reads waiting on {@code partition} for a reason other than its log (records of a share group
     * released or timed out): they are tried again on the read executor. Cheap; any thread.
     */
    public void wake(Partition partition) {
        Watchers watching = watchers.get(partition);
        if (watching == null || !watching.wakeQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            readExecutor.execute(() -> {
                // Cleared before reading: an append landing during the reads queues another wake-up.
                watching.wakeQueued.set(false);
                for (DelayedRead fetch : watching.fetches) {
                    complete(fetch, false);
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            watching.wakeQueued.set(false); // closing: close() answers every waiting fetch
        }
    }

    /** Number of fetches waiting (for tests and metrics). */
    int waiting() {
        int count = 0;
        for (Set<DelayedRead> set : waitingByConnection.values()) {
            count += set.size();
        }
        return count;
    }

    private void complete(DelayedRead fetch, boolean force) {
        if (fetch.tryComplete(force)) {
            forget(fetch);
        }
    }

    private void expire(DelayedRead fetch) {
        try {
            readExecutor.execute(() -> complete(fetch, true));
        } catch (RejectedExecutionException shuttingDown) {
            complete(fetch, true);
        }
    }

    private void track(DelayedRead fetch, ClientConnection connection) {
        long id = connection.id();
        boolean[] firstWait = {false};
        waitingByConnection.compute(id, (key, waiting) -> {
            Set<DelayedRead> set = waiting;
            if (set == null) {
                set = ConcurrentHashMap.newKeySet();
                firstWait[0] = true;
            }
            set.add(fetch);
            return set;
        });
        if (firstWait[0]) {
            // Runs at once if the connection is already closed.
            connection.onClose(() -> dropConnection(id));
        }
    }

    private void dropConnection(long connectionId) {
        Set<DelayedRead> waiting = waitingByConnection.remove(connectionId);
        if (waiting == null) {
            return;
        }
        for (DelayedRead fetch : waiting) {
            fetch.abandon();
            forget(fetch);
        }
    }

    private void forget(DelayedRead fetch) {
        var timeout = fetch.timeout;
        if (timeout != null) {
            timeout.cancel();
        }
        for (Partition partition : fetch.partitions()) {
            watchers.computeIfPresent(partition, (key, watching) -> {
                watching.fetches.remove(fetch);
                return watching.fetches.isEmpty() ? null : watching;
            });
        }
        Set<DelayedRead> ofConnection = waitingByConnection.get(fetch.connectionId);
        if (ofConnection != null) {
            ofConnection.remove(fetch);
        }
    }

    /** The fetches waiting on one log, and whether a wake-up for them is queued. */
    private static final class Watchers {
        final Set<DelayedRead> fetches = ConcurrentHashMap.newKeySet();
        final AtomicBoolean wakeQueued = new AtomicBoolean();
    }

    /** Answers every waiting fetch with what is there now; later waits are answered at once. */
    @Override
    public void close() {
        closed = true;
        List<DelayedRead> waiting = new ArrayList<>();
        for (Set<DelayedRead> set : waitingByConnection.values()) {
            waiting.addAll(set);
        }
        for (DelayedRead fetch : waiting) {
            complete(fetch, true);
        }
    }
}
