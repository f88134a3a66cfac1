package io.spindle.broker.partition;

/**
 * One producer of a partition as Kafka's DescribeProducers shows it.
 *
 * @param producerId            the producer id
 * @param epoch                 its epoch here (of its last batch, or raised by a marker)
 * @param lastSequence          the last sequence of its last batch in this epoch, -1 when none
 * @param lastTimestamp         the largest timestamp of its last batch or marker, ms since the epoch
 * @param coordinatorEpoch      the highest coordinator epoch of its markers here, -1 when it has none
 * @param currentTxnStartOffset the first offset of its open transaction here, -1 when none is open
 */
public record ProducerState(long producerId, short epoch, int lastSequence, long lastTimestamp, int coordinatorEpoch,
                            long currentTxnStartOffset) {
}
