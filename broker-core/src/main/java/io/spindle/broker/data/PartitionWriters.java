package io.spindle.broker.data;

import io.spindle.broker.partition.Partition;
import io.spindle.log.AppendResult;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The threads that append to partition logs, off the Netty event loops (an append may block on disk).
 *
 * <p>Each partition is pinned to one single-threaded stripe, chosen by hashing its topic and partition, so a
 * partition has one writer and its appends run in the order they were submitted. That order matters: an
 * idempotent producer keeps up to five batches in flight per partition, and they arrive on one connection in
 * sequence order; appending them out of order would answer OUT_OF_ORDER_SEQUENCE_NUMBER to good batches.
 *
 * <p>Forcing on the writer: a Produce request for a single partition, appended while nothing else waits for its
 * stripe, is forced to disk on the writer thread itself ({@link Partition#append(ByteBuffer, boolean)}) instead of on
 * a flusher thread woken for it: one thread hand-off less for a producer that sends one record at a time and waits
 * for it (issue 18 target 5, docs/benchmarks.md). An append that finds others queued behind it, or that belongs to
 * a request for several partitions (whose fsyncs must run in parallel on the flusher threads, not one after another
 * on a stripe), leaves the fsync to the flusher as before. The cost: an append that reaches the stripe during such
 * an fsync waits for it, at most one fsync.
 *
 * <p>Thread-safe. After {@link #close()}, appends fail with RejectedExecutionException.
 */
final class PartitionWriters implements AutoCloseable {
    private final ThreadPoolExecutor[] stripes;

    PartitionWriters(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("partition writer threads must be at least 1, not " + threads);
        }
        stripes = new ThreadPoolExecutor[threads];
        for (int i = 0; i < threads; i++) {
            String name = "spindle-append-" + i;
            stripes[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, name);
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    /**
     * Appends {@code records} (position..limit) on the partition's writer thread. The buffer must stay unchanged
     * until the future completes. Completes exceptionally with the storage engine's exception.
     */
    CompletableFuture<AppendResult> append(Partition partition, ByteBuffer records) {
        return append(partition, records, false);
    }

    /**
     * As above; {@code alone} says the batch is the only one of its request, so that its fsync may run on the writer
     * thread when nothing else waits for the stripe (see the class comment).
     */
    CompletableFuture<AppendResult> append(Partition partition, ByteBuffer records, boolean alone) {
        if (!alone) {
            return run(partition, () -> partition.append(records));
        }
        ThreadPoolExecutor stripe = stripeOf(partition.topic(), partition.index());
        return run(stripe, () -> partition.append(records, stripe.getQueue().isEmpty()));
    }

    /** Runs {@code write} (an append of some kind to {@code partition}) on the partition's writer thread. */
    <T> CompletableFuture<T> run(Partition partition, Supplier<T> write) {
        return run(stripeOf(partition.topic(), partition.index()), write);
    }

    private static <T> CompletableFuture<T> run(ExecutorService stripe, Supplier<T> write) {
        try {
            return CompletableFuture.supplyAsync(write, stripe);
        } catch (RejectedExecutionException closed) {
            // As a failed future, never thrown: other partitions of the request may already be queued, and the
            // request (whose buffer they read) must not complete before they have run.
            return CompletableFuture.failedFuture(closed);
        }
    }

    private ThreadPoolExecutor stripeOf(String topic, int partition) {
        int hash = 31 * topic.hashCode() + partition;
        return stripes[Math.floorMod(hash ^ (hash >>> 16), stripes.length)];
    }

    /** Lets queued appends finish (up to a bound), then stops the threads. */
    @Override
    public void close() {
        for (ExecutorService stripe : stripes) {
            stripe.shutdown();
        }
        for (ExecutorService stripe : stripes) {
            try {
                if (!stripe.awaitTermination(10, TimeUnit.SECONDS)) {
                    stripe.shutdownNow();
                }
            } catch (InterruptedException e) {
                stripe.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
