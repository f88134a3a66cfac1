package io.spindle.log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs many small pieces of work that mostly wait on the disk (a partition log opened, closed or created, a leader
 * epoch file forced) on several threads at once, and waits for all of them. Their fsyncs then overlap: one fsync
 * each, on one thread after another, was most of the time of opening thousands of partitions, and of creating the
 * ~33 partitions of a 100-partition topic that each broker of three hosts (docs/benchmarks.md, "CreateTopics and a
 * cluster's start").
 *
 * <p>Bounded so that thousands of tasks do not become thousands of threads or outstanding I/Os: at most
 * {@link #PARALLELISM} threads, made for the call and gone after it (daemon threads, named as the caller says).
 */
public final class DiskTasks {
    /** More than the cores: the tasks wait on the disk far longer than they run. */
    static final int PARALLELISM = Math.max(4, 4 * Runtime.getRuntime().availableProcessors());

    private DiskTasks() {
    }

    /**
     * Runs {@code tasks} on up to {@link #PARALLELISM} threads (on the calling thread when there is only one) and
     * waits for all of them; the first failure is rethrown once all have finished (the others are kept as suppressed),
     * a checked one wrapped in {@link LogIOException}.
     *
     * @throws LogIOException when interrupted while waiting (the tasks still running finish on their own)
     */
    public static void runAll(String threadName, List<Runnable> tasks) {
        if (tasks.size() <= 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        int threads = Math.min(PARALLELISM, tasks.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        RuntimeException failure = null;
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Runnable task : tasks) {
                running.add(pool.submit(task));
            }
            for (Future<?> future : running) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                            : new LogIOException(e.getCause().getMessage(), e.getCause());
                    if (failure == null) {
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LogIOException("interrupted while " + threadName + " tasks were running", null);
                }
            }
        } finally {
            pool.shutdown();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
