package io.spindle.broker.partition;

/**
 * A transaction marker from a coordinator epoch older than one already seen for its producer in the partition:
 * Kafka's TRANSACTION_COORDINATOR_FENCED. The message names the partition, the producer and both epochs.
 */
public final class CoordinatorEpochFencedException extends RuntimeException {
    public CoordinatorEpochFencedException(String message) {
        super(message);
    }
}
