package io.spindle.log.compact;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * Makes the cleaners give way to the produce path while the broker is busy, without slowing a clean on an idle
 * broker. The signal is real foreground work: the bytes appended to every partition of the broker (a running total,
 * read at most every {@link #SAMPLE_NANOS}). While they arrive at {@link #BUSY_BYTES_PER_SECOND} or more, a cleaner
 * thread, after each chunk it read or wrote, pauses {@code (1 - DUTY) / DUTY} times as long as the chunk took, so it
 * holds at most {@link #DUTY} of a core; below that rate it runs flat out.
 *
 * <p>Why: on two cores Spindle's clean took a whole core for its two seconds and produce to another topic lost 63 %
 * of its rate meanwhile, against 26 % beside Kafka's slower cleaner (docs/benchmarks.md). Kafka has no such rule; its
 * cleaner is merely slower. A pause after a chunk (about a megabyte, a few milliseconds of work) is short enough that
 * the clean's progress stays smooth, and each pause is capped at {@link #MAX_PAUSE_NANOS} so that a stalled chunk (a
 * slow disk) does not buy a long one.
 *
 * <p>One per cleaner thread ({@link #pace} is not thread-safe); the {@link ForegroundLoad} is shared.
 */
final class ForegroundPacer {
    /** Foreground appends at or above this rate make the broker busy: 1 MiB/s, far above offset commits alone. */
    static final double BUSY_BYTES_PER_SECOND = 1 << 20;
    /** The share of its time a cleaner thread works while the broker is busy. */
    static final double DUTY = 0.25;
    static final long SAMPLE_NANOS = 100_000_000L;
    static final long MAX_PAUSE_NANOS = 50_000_000L;

    private final ForegroundLoad load;
    private final LongSupplier nanoTime;
    private final Throttle.Sleeper sleeper;
    /** When the current stretch of work began: the end of the last pause, or of the last idle wait. */
    private long workStart;

    ForegroundPacer(ForegroundLoad load, LongSupplier nanoTime, Throttle.Sleeper sleeper) {
        this.load = load;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.workStart = nanoTime.getAsLong();
    }

    /** Marks the start of a clean: time the thread spent waiting for work is not work. */
    void startWork() {
        workStart = nanoTime.getAsLong();
    }

    /** Called after each chunk: pauses in proportion to the work since the last call when the broker is busy. */
    void pace() throws IOException {
        long now = nanoTime.getAsLong();
        long worked = now - workStart;
        if (load.busy(now)) {
            long pause = Math.min(MAX_PAUSE_NANOS, (long) (worked * (1 - DUTY) / DUTY));
            if (pause > 0) {
                sleeper.sleep(pause);
            }
            now = nanoTime.getAsLong();
        }
        workStart = now;
    }

    /**
     * The broker's foreground append rate, sampled from a running total of appended bytes (which may fall when a
     * partition is deleted; a fall counts as no appends). Thread-safe.
     */
    static final class ForegroundLoad {
        private final LongSupplier appendedBytes;
        private long sampledAt = Long.MIN_VALUE;
        private long sampledBytes;
        private boolean busy;

        ForegroundLoad(LongSupplier appendedBytes) {
            this.appendedBytes = appendedBytes;
        }

        /** True when the last full sample saw appends at {@link #BUSY_BYTES_PER_SECOND} or more. */
        synchronized boolean busy(long now) {
            if (sampledAt == Long.MIN_VALUE) {
                sampledAt = now;
                sampledBytes = appendedBytes.getAsLong();
            } else if (now - sampledAt >= SAMPLE_NANOS) {
                long bytes = appendedBytes.getAsLong();
                double rate = Math.max(0, bytes - sampledBytes) * 1e9 / (now - sampledAt);
                busy = rate >= BUSY_BYTES_PER_SECOND;
                sampledAt = now;
                sampledBytes = bytes;
            }
            return busy;
        }
    }
}
