package io.spindle.log;

/** A batch larger than the topic's max.message.bytes (or its segment.bytes). Maps to MESSAGE_TOO_LARGE. */
public final class RecordBatchTooLargeException extends InvalidRecordBatchException {
    public RecordBatchTooLargeException(String message) {
        super(message);
    }
}
