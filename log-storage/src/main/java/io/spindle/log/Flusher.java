package io.spindle.log;

import io.spindle.config.FlushMode;
import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that force partition logs to disk. A log asks for a flush after an append; a flusher thread takes it
 * off the queue and fsyncs it. A log is queued at most once, and is taken off the queue before its fsync starts, so
 * every append that arrives during an fsync queues it again and is covered by the next one: one fsync acknowledges
 * all the batches that waited for it (group commit). A log's flushes run one at a time ({@link Durability}'s
 * monitor); different logs are forced in parallel by up to {@link #THREADS} threads.
 *
 * <p>Why several threads: with six partitions, a produce request waits for six fsyncs, one per partition file. One
 * thread ran them in a row; six fdatasyncs in flight at once take the disk little longer than one (here, 6 files
 * x 64 KiB: 2.2–2.4 ms in a row against 1.0 ms in parallel, docs/benchmarks.md), since the block layer merges the
 * cache flushes they end with. The threads sleep in the kernel while they wait, so they cost the CPU little.
 *
 * <p>Waking: {@link #request} wakes one idle thread (the one that went idle last, so that a light load keeps to one
 * warm thread), or none when all are busy; a busy thread looks at the queue again before it goes idle.
 *
 * <p>In {@code interval} mode the first thread also flushes every log with unflushed data each {@code intervalMs}.
 */
final class Flusher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Flusher.class);
    /** At most this many fsyncs in flight at once (one per log); more than the six partitions measured. */
    static final int THREADS = 8;

    private final FlushPolicy policy;
    private final Supplier<Collection<PartitionLog>> logs;
    private final ConcurrentLinkedQueue<PartitionLog> queue = new ConcurrentLinkedQueue<>();
    /** Threads parked with nothing to do, the last one to park first. */
    private final ConcurrentLinkedDeque<Thread> idle = new ConcurrentLinkedDeque<>();
    private final Thread[] threads = new Thread[THREADS];
    private volatile boolean running = true;

    Flusher(FlushPolicy policy, Supplier<Collection<PartitionLog>> logs) {
        this.policy = policy;
        this.logs = logs;
        for (int i = 0; i < THREADS; i++) {
            boolean timekeeper = i == 0;
            threads[i] = new Thread(() -> run(timekeeper), i == 0 ? "spindle-flusher" : "spindle-flusher-" + i);
            threads[i].setDaemon(true);
        }
        for (Thread thread : threads) {
            thread.start();
        }
    }

    /** Queues {@code log} for the next round; the caller has set its queued flag. */
    void request(PartitionLog log) {
        queue.add(log);
        // The queue first, then the idle threads: a thread going idle adds itself first, then looks at the queue,
        // so either it sees the log or this sees it idle.
        Thread sleeper = idle.pollFirst();
        if (sleeper != null) {
            LockSupport.unpark(sleeper);
        }
    }

    private void run(boolean timekeeper) {
        Thread self = Thread.currentThread();
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(policy.intervalMs());
        long nextInterval = System.nanoTime() + intervalNanos;
        boolean interval = timekeeper && policy.mode() == FlushMode.INTERVAL;
        while (running) {
            PartitionLog log = queue.poll();
            if (log != null) {
                log.flushQueued();
                continue;
            }
            long now = System.nanoTime();
            if (interval && now - nextInterval >= 0) {
                for (PartitionLog each : logs.get()) {
                    each.flushIfDirty();
                }
                nextInterval = now + intervalNanos;
                continue;
            }
            idle.addFirst(self);
            if (queue.isEmpty() && running) {
                if (interval) {
                    LockSupport.parkNanos(this, Math.max(1, nextInterval - now));
                } else {
                    LockSupport.park(this);
                }
            }
            idle.remove(self);
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
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (thread.isAlive()) {
                LOG.warn("flusher thread {} did not stop within 30 s", thread.getName());
            }
        }
    }
}
