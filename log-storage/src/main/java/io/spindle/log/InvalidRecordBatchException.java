package io.spindle.log;

/** A batch handed to append that the log refuses; nothing of that append is written. */
public abstract sealed class InvalidRecordBatchException extends LogStorageException
        permits CorruptRecordBatchException, UnsupportedMagicException, RecordBatchTooLargeException, BatchLargerThanSegmentException,
                RecordWithoutKeyException {
    InvalidRecordBatchException(String message) {
        super(message);
    }
}
