package io.spindle.test.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a group's committed offsets (OffsetFetch through the Admin client) every {@value #INTERVAL_MS} ms while the
 * faults strike, and records every time a partition's committed offset is lower than it was at an earlier reading:
 * committed offsets never go back, whatever broker died, paused or was cut off meanwhile. Readings that fail (no
 * coordinator during a fault) are counted and skipped.
 */
final class CommitWatch implements AutoCloseable {
    static final int INTERVAL_MS = 250;

    private final Admin admin;
    private final String group;
    private final Map<Integer, Long> highest = new HashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final AtomicLong readings = new AtomicLong();
    private final AtomicLong failedReadings = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    CommitWatch(Admin admin, String group) {
        this.admin = admin;
        this.group = group;
        thread = new Thread(this::run, "commit-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                record(read(Duration.ofSeconds(3)));
                readings.incrementAndGet();
            } catch (ExecutionException | TimeoutException duringAFault) {
                failedReadings.incrementAndGet();
            } catch (InterruptedException e) {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS));
        }
    }

    /** The group's committed offsets now, per partition. */
    Map<Integer, Long> read(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group,
                        new ListConsumerGroupOffsetsOptions().timeoutMs((int) timeout.toMillis()))
                .partitionsToOffsetAndMetadata().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        Map<Integer, Long> byPartition = new HashMap<>();
        offsets.forEach((tp, offset) -> {
            if (offset != null) {
                byPartition.put(tp.partition(), offset.offset());
            }
        });
        return byPartition;
    }

    /** Checks one reading against the highest seen before it, and keeps the new highest. */
    synchronized void record(Map<Integer, Long> reading) {
        reading.forEach((partition, offset) -> {
            Long before = highest.get(partition);
            if (before != null && offset < before) {
                problems.add("committed offset of partition " + partition + " went back from " + before + " to "
                        + offset);
            }
            highest.merge(partition, offset, Math::max);
        });
    }

    long readings() {
        return readings.get();
    }

    long failedReadings() {
        return failedReadings.get();
    }

    List<String> problems() {
        return new ArrayList<>(problems);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
