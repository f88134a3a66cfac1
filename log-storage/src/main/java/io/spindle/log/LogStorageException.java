package io.spindle.log;

/** Base of every failure the storage engine reports; the message names the partition and, where known, the file. */
public class LogStorageException extends RuntimeException {
    public LogStorageException(String message) {
        super(message);
    }

    public LogStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
