package io.spindle.log;

/**
 * A transaction aborted in one partition, as its segment's {@code .txnindex} keeps it: the producer, the offset of its
 * first batch here, the offset of its ABORT marker, and the partition's last stable offset right after that marker
 * (the first offset of the earliest transaction still open then, or the offset after the marker when none was).
 *
 * <p>A read_committed consumer skips the producer's records from {@code firstOffset} until it reads the marker. The
 * last stable offset lets a search stop early: once an entry's is at or past the end of the range asked for, every
 * transaction that began below that end was decided by then, so no later entry concerns the range.
 */
public record AbortedTransaction(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
