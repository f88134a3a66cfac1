package io.spindle.log;

/**
 * A request to delete records (DeleteRecords) from a log whose {@code cleanup.policy} has no {@code delete}: on a
 * compacted topic the cleaner alone decides what goes. Maps to POLICY_VIOLATION, as Kafka answers.
 */
public final class RecordDeletionRefusedException extends LogStorageException {
    public RecordDeletionRefusedException(String message) {
        super(message);
    }
}
