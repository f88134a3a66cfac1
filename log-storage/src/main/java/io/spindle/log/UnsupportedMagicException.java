package io.spindle.log;

/** A batch in a message format other than v2 (magic 2). Maps to UNSUPPORTED_FOR_MESSAGE_FORMAT. */
public final class UnsupportedMagicException extends InvalidRecordBatchException {
    public UnsupportedMagicException(String message) {
        super(message);
    }
}
