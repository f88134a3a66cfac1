package io.spindle.log.compact;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * Holds the cleaners' I/O to log.cleaner.io.max.bytes.per.second, all threads together: each transfer of n bytes
 * moves the earliest moment of the next one on by n / rate, and the thread that did it waits until then. No credit
 * is saved up while the cleaners are idle, so there is no burst after a pause. Thread-safe.
 */
final class Throttle {
    /** Waits; returns early (without an exception) when the cleaner stops. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws IOException;
    }

    private final double bytesPerSecond;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private long nextFreeNanos = Long.MIN_VALUE;

    /** @param bytesPerSecond {@link Double#MAX_VALUE} for no cap */
    Throttle(double bytesPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        this.bytesPerSecond = bytesPerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** Accounts for {@code bytes} just read or written, waiting as long as the cap asks. */
    void acquire(long bytes) throws IOException {
        if (bytesPerSecond >= Double.MAX_VALUE || bytes <= 0) {
            return;
        }
        long wait;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            long from = nextFreeNanos == Long.MIN_VALUE ? now : Math.max(nextFreeNanos, now);
            nextFreeNanos = from + (long) (bytes / bytesPerSecond * 1e9);
            wait = nextFreeNanos - now;
        }
        if (wait > 0) {
            sleeper.sleep(wait);
        }
    }
}
