package io.spindle.log;

import java.util.Collection;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background check, after a start, of every segment that was loaded on the word of its seal
 * ({@link Segment#ensureVerified}): one thread walks the logs and checks each such segment's batches (lengths, magic,
 * offsets, CRC32C) and index files, so that damage is found soon after the start even in a segment nobody reads. A
 * read of a segment not checked yet checks it on the reading thread first; either way each segment is checked once.
 * A damaged segment takes its log offline ({@link Segments.Changes#damaged}).
 *
 * <p>It logs one line when done (each start), with how many segments and bytes it checked and how long it took.
 */
final class SealedSegmentCheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

    private final Supplier<Collection<PartitionLog>> logs;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean started;

    SealedSegmentCheck(Supplier<Collection<PartitionLog>> logs) {
        this.logs = logs;
        this.thread = new Thread(this::run, "spindle-segment-check");
        this.thread.setDaemon(true);
    }

    /** Starts the check, once; later calls do nothing. */
    synchronized void start() {
        if (!started) {
            started = true;
            thread.start();
        }
    }

    private void run() {
        long started = System.nanoTime();
        long segments = 0;
        long bytes = 0;
        int damaged = 0;
        for (PartitionLog log : logs.get()) {
            if (!running) {
                return;
            }
            PartitionLog.Checked checked = log.checkSealedSegments(() -> running);
            segments += checked.segments();
            bytes += checked.bytes();
            damaged += checked.damaged() ? 1 : 0;
        }
        if (running) {
            LOG.info("checked {} segment(s) loaded from their seals ({} bytes) in {} ms: {}", segments, bytes,
                    (System.nanoTime() - started) / 1_000_000,
                    damaged == 0 ? "all sound" : damaged + " log(s) damaged and taken offline");
        }
    }

    /** Stops after the segment being checked. */
    @Override
    public void close() {
        running = false;
        if (thread.isAlive()) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
