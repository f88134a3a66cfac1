package io.spindle.broker.partition;

/**
 * A transaction aborted in one partition: its producer, the offset of its first record here, and the offset of its
 * ABORT marker. A read_committed consumer skips that producer's records from {@code firstOffset} until it reads the
 * marker.
 */
public record AbortedTransaction(long producerId, long firstOffset, long markerOffset) {
}
