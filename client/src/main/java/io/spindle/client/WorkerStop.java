package io.spindle.client;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How a worker's threads stop ({@link ConsumerWorker}, {@link QueueWorker}): a request their loops check (and back-off
 * waits wake on), a count of threads not yet stopped, which each thread counts down last, after closing its consumer,
 * and the first failure that stopped one. Thread-safe.
 */
final class WorkerStop {
    private final String worker;
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch running;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** {@code worker} names it in errors ("the worker of group 'g'"); {@code threads} is how many must stop. */
    WorkerStop(String worker, int threads) {
        this.worker = worker;
        this.running = new CountDownLatch(threads);
    }

    boolean requested() {
        return requested.getCount() == 0;
    }

    /** Waits up to {@code wait} for a stop request; whether one came. */
    boolean awaitRequest(Duration wait) throws InterruptedException {
        return requested.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Called by each thread as its last act. */
    void stopped() {
        running.countDown();
    }

    boolean anyRunning() {
        return running.getCount() > 0;
    }

    /** Keeps {@code e} unless an earlier failure is kept already. */
    void failed(Throwable e) {
        failure.compareAndSet(null, e);
    }

    Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /**
     * Requests the stop; then, unless called on one of {@code threads} (by a handler: they stop after it returns),
     * waits up to {@code wait} for every thread to stop.
     *
     * @throws SpindleException if they have not stopped by then, or this thread is interrupted while waiting
     */
    void stop(Collection<Thread> threads, Duration wait) {
        requested.countDown();
        if (threads.contains(Thread.currentThread())) {
            return;
        }
        try {
            if (!running.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SpindleException(capitalized() + " did not stop within " + wait.toMillis()
                        + " ms: a handler is still running");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpindleException("Interrupted while stopping " + worker, e);
        }
    }

    private String capitalized() {
        return Character.toUpperCase(worker.charAt(0)) + worker.substring(1);
    }
}
