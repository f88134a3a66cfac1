package io.spindle.log;

/** A batch from an idempotent producer whose epoch is older than the one the log has seen. Maps to INVALID_PRODUCER_EPOCH. */
public final class InvalidProducerEpochException extends LogStorageException {
    public InvalidProducerEpochException(String message) {
        super(message);
    }
}
