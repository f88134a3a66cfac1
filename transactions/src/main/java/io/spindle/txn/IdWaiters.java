package io.spindle.txn;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * Requests for a transactional id that wait for the id to be free of the transition in progress, in the order they
 * arrived: a write that adds its partition to a transaction (transaction version 2) while the previous transaction
 * is still being completed, or while another write's addition is being stored.
 *
 * <p>Order is the point: an idempotent producer's batches for a partition arrive in sequence order, and each is
 * appended once its addition is answered, so the answers must come in the order the requests came. {@link #wake}
 * therefore stops at the first waiter that still cannot go on, and an arrival queues behind any waiter.
 *
 * <p>Not thread-safe: coordinator thread only.
 */
final class IdWaiters {
    /** A waiting request. */
    interface Attempt {
        /** Tries to go on; false to keep waiting. */
        boolean tryNow();

        /** Waited too long: answer the request with a retriable error. */
        void expire();
    }

    /** Schedules a task on the coordinator thread. */
    interface Timer {
        Future<?> schedule(long delayMs, Runnable task);
    }

    private static final class Waiter {
        final Attempt attempt;
        Future<?> timeout;

        Waiter(Attempt attempt) {
            this.attempt = attempt;
        }
    }

    private final Map<String, ArrayDeque<Waiter>> byId = new HashMap<>();
    private final Timer timer;
    private final long maxWaitMs;

    IdWaiters(Timer timer, long maxWaitMs) {
        this.timer = timer;
        this.maxWaitMs = maxWaitMs;
    }

    /** Runs {@code attempt} now unless it must wait (others wait for the id, or it says so); then it waits. */
    void runOrWait(String transactionalId, Attempt attempt) {
        if (!byId.containsKey(transactionalId) && attempt.tryNow()) {
            return;
        }
        Waiter waiter = new Waiter(attempt);
        byId.computeIfAbsent(transactionalId, id -> new ArrayDeque<>()).addLast(waiter);
        waiter.timeout = timer.schedule(maxWaitMs, () -> expire(transactionalId, waiter));
    }

    /** The id may be free: lets its waiters go on, in order, until one must keep waiting. */
    void wake(String transactionalId) {
        ArrayDeque<Waiter> queue = byId.get(transactionalId);
        while (queue != null && !queue.isEmpty()) {
            Waiter head = queue.peekFirst();
            if (!head.attempt.tryNow()) {
                return;
            }
            queue.pollFirst();
            if (head.timeout != null) {
                head.timeout.cancel(false);
            }
        }
        byId.remove(transactionalId);
    }

    private void expire(String transactionalId, Waiter waiter) {
        ArrayDeque<Waiter> queue = byId.get(transactionalId);
        if (queue != null && queue.remove(waiter)) {
            if (queue.isEmpty()) {
                byId.remove(transactionalId);
            }
            waiter.attempt.expire();
        }
    }
}
