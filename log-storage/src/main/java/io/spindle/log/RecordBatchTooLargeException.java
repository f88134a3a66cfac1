package io.spindle.log;

/** A batch larger than the topic's max.message.bytes. Maps to MESSAGE_TOO_LARGE ({@link BatchLargerThanSegmentException}: segment.bytes). */
public final class RecordBatchTooLargeException extends InvalidRecordBatchException {
    public RecordBatchTooLargeException(String message) {
        super(message);
    }
}
