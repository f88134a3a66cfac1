package io.spindle.log;

/** An idempotent producer's batch whose sequence does not follow the last one appended. Maps to OUT_OF_ORDER_SEQUENCE_NUMBER. */
public final class OutOfOrderSequenceException extends LogStorageException {
    public OutOfOrderSequenceException(String message) {
        super(message);
    }
}
