package io.spindle.log;

/** Use of a partition log after it was closed or deleted. */
public final class LogClosedException extends LogStorageException {
    public LogClosedException(String message) {
        super(message);
    }
}
