package io.spindle.log;

import io.spindle.config.FlushMode;
import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that forces partition logs to disk. A log asks for a flush after an append; the flusher
 * takes the queued logs one by one and fsyncs each. A log is queued at most once, and is taken off the
 * queue before its fsync starts, so every append that arrives during an fsync queues it again and is
 * covered by the next one: one fsync acknowledges all the batches that waited for it (group commit).
 *
 * <p>In {@code interval} mode it also flushes every log with unflushed data each {@code intervalMs}.
 */
final class Flusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Flusher.class);

    private final FlushPolicy policy;
    private final Supplier<Collection<PartitionLog>> logs;
    private final ConcurrentLinkedQueue<PartitionLog> queue = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    Flusher(FlushPolicy policy, Supplier<Collection<PartitionLog>> logs) {
        this.policy = policy;
        this.logs = logs;
        this.thread = new Thread(this::run, "spindle-flusher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues {@code log} for the next round; the caller has set its queued flag. */
    void request(PartitionLog log) {
        queue.add(log);
        LockSupport.unpark(thread);
    }

    private void run() {
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(policy.intervalMs());
        long nextInterval = System.nanoTime() + intervalNanos;
        while (running) {
            PartitionLog log = queue.poll();
            if (log != null) {
                log.flushQueued();
                continue;
            }
            if (policy.mode() == FlushMode.INTERVAL) {
                long now = System.nanoTime();
                if (now - nextInterval >= 0) {
                    for (PartitionLog each : logs.get()) {
                        each.flushIfDirty();
                    }
                    nextInterval = now + intervalNanos;
                }
                LockSupport.parkNanos(this, Math.max(1, nextInterval - now));
            } else {
                LockSupport.park(this);
            }
        }
        // Drain what is left so no waiter is stranded.
        PartitionLog log;
        while ((log = queue.poll()) != null) {
            log.flushQueued();
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("flusher thread did not stop within 30 s");
        }
    }
}
