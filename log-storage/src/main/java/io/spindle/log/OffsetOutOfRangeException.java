package io.spindle.log;

/** A read below the log start offset or past the log end offset. Maps to OFFSET_OUT_OF_RANGE. */
public final class OffsetOutOfRangeException extends LogStorageException {
    public OffsetOutOfRangeException(String message) {
        super(message);
    }
}
