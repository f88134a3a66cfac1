package io.spindle.perf;

import java.util.concurrent.locks.LockSupport;

/**
 * Spaces sends at a fixed rate without spinning (a spinning client would take a core from the broker on a
 * small machine): it parks until the next record's scheduled time, then lets every record whose time has come
 * go at once. Each record has a scheduled time, {@code start + i / rate}, independent of when earlier sends
 * finished, so latency measured from it includes any queueing the client suffered (no coordinated omission).
 */
final class Pacer {
    private final long startNanos;
    private final double intervalNanos;
    private long sent;

    /** @param rate records per second, 0 for no pacing */
    Pacer(int rate, long startNanos) {
        this.startNanos = startNanos;
        this.intervalNanos = rate == 0 ? 0 : 1e9 / rate;
    }

    /** Waits for the next record's scheduled time and returns it (System.nanoTime scale); now, when unpaced. */
    long awaitNext() {
        if (intervalNanos == 0) {
            sent++;
            return System.nanoTime();
        }
        long scheduled = startNanos + (long) (sent++ * intervalNanos);
        long wait;
        while ((wait = scheduled - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        return scheduled;
    }
}
