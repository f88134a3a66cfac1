package io.spindle.log;

/**
 * What a partition's log knows of one producer that wrote to it (idempotent or transactional), as Kafka's
 * DescribeProducers shows it.
 *
 * @param producerId    the producer id
 * @param epoch         its epoch: of its last batch, or of a transaction marker that raised it
 * @param lastSequence  the last sequence of its last batch in the current epoch, -1 when none (only markers since
 *                      the epoch changed)
 * @param lastTimestamp the largest record timestamp of its last batch or marker, in ms since the epoch
 */
public record ProducerSnapshot(long producerId, short epoch, int lastSequence, long lastTimestamp) {
}
