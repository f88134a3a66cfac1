package io.spindle.log;

import java.util.concurrent.CompletableFuture;

/**
 * What {@link PartitionLog#append} did with a set of record batches.
 *
 * <p>{@code durable} completes when the log's flush policy counts the append durable: in {@code fsync}
 * mode after the fsync that covers its last byte (group commit), in {@code interval} and {@code none}
 * mode at once. It completes exceptionally with {@link LogIOException} if that fsync fails. For a
 * duplicate (a retried idempotent batch already in the log) it follows the original's durability.
 *
 * @param firstOffset   offset assigned to the first record of the first batch
 * @param lastOffset    offset of the last record of the last batch
 * @param logEndOffset  the log end offset right after this append
 * @param logAppendTime the broker time stamped on the batches (milliseconds), or -1 when the topic keeps
 *                      the producer's create time
 * @param logStartOffset the log start offset at the time of the append
 * @param duplicate     true when the batches were a retry of ones already appended (idempotent producer):
 *                      nothing new was written and the offsets are those of the original
 */
public record AppendResult(long firstOffset, long lastOffset, long logEndOffset, long logAppendTime,
                           long logStartOffset, boolean duplicate, CompletableFuture<Void> durable) {
}
