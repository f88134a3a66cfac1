package io.spindle.test.faults;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the producers of a fault run were told: every value sent (each is unique: {@code p<producer>-<sequence>}),
 * every acknowledgement with its partition and offset, every send that failed, and per partition the longest time
 * between two acknowledgements (how long the partition took no write while producers kept trying). Thread-safe:
 * producer callbacks record into it concurrently.
 */
final class AckHistory {
    /** One acknowledged send: {@code value} is at {@code offset} of {@code partition}, the broker said. */
    record Ack(int partition, long offset, String value) {
    }

    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final Map<String, Ack> acked = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLongArray ackedPerPartition;
    private final long[] lastAckNanos;
    private final long[] longestGapNanos;

    AckHistory(int partitions) {
        ackedPerPartition = new AtomicLongArray(partitions);
        lastAckNanos = new long[partitions];
        longestGapNanos = new long[partitions];
    }

    static String value(int producer, long sequence) {
        return "p" + producer + "-" + sequence;
    }

    /** The producer of a value {@link #value} made. */
    static String producerOf(String value) {
        return value.substring(0, value.indexOf('-'));
    }

    static long sequenceOf(String value) {
        return Long.parseLong(value.substring(value.indexOf('-') + 1));
    }

    int partitions() {
        return ackedPerPartition.length();
    }

    void sent(String value) {
        sent.add(value);
    }

    boolean wasSent(String value) {
        return sent.contains(value);
    }

    void acked(String value, int partition, long offset) {
        long now = System.nanoTime();
        acked.put(value, new Ack(partition, offset, value));
        long count = ackedPerPartition.incrementAndGet(partition);
        synchronized (lastAckNanos) {
            if (count > 1) {
                long gap = now - lastAckNanos[partition];
                longestGapNanos[partition] = Math.max(longestGapNanos[partition], gap);
            }
            lastAckNanos[partition] = Math.max(lastAckNanos[partition], now);
        }
    }

    /** A send that ended in an error: allowed (it was not acknowledged), though the broker may have stored it. */
    void failed() {
        failed.incrementAndGet();
    }

    long failedCount() {
        return failed.get();
    }

    int ackedCount() {
        return acked.size();
    }

    long ackedOn(int partition) {
        return ackedPerPartition.get(partition);
    }

    Collection<Ack> acks() {
        return acked.values();
    }

    /** The longest time any partition went without an acknowledgement between its first and its last. */
    Duration longestUnavailability() {
        synchronized (lastAckNanos) {
            long longest = 0;
            for (long gap : longestGapNanos) {
                longest = Math.max(longest, gap);
            }
            return Duration.ofNanos(longest);
        }
    }

    /** The partition of {@link #longestUnavailability}. */
    int longestUnavailablePartition() {
        synchronized (lastAckNanos) {
            int worst = 0;
            for (int p = 1; p < longestGapNanos.length; p++) {
                if (longestGapNanos[p] > longestGapNanos[worst]) {
                    worst = p;
                }
            }
            return worst;
        }
    }
}
