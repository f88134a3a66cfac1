package io.spindle.log;

/**
 * A batch for a compacted topic holding a record without a key: compaction keeps the latest record per key, so
 * such a record could never be kept or removed sensibly. Maps to INVALID_RECORD, as Kafka answers.
 */
public final class RecordWithoutKeyException extends InvalidRecordBatchException {
    public RecordWithoutKeyException(String message) {
        super(message);
    }
}
