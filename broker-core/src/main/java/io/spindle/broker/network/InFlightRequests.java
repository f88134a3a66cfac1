package io.spindle.broker.network;

import java.util.concurrent.TimeUnit;

/** Counts the requests of all connections that have been read but not yet answered, so shutdown can wait for them. */
final class InFlightRequests {
    private int count;

    synchronized void started() {
        count++;
    }

    synchronized void finished() {
        count--;
        if (count == 0) {
            notifyAll();
        }
    }

    synchronized int count() {
        return count;
    }

    /** Waits until none is in flight or the timeout passes; true when none is left. */
    synchronized boolean awaitNone(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (count > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
