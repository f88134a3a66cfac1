package io.spindle.log;

/**
 * An I/O failure (a full disk, a failed fsync, a file that cannot be created). The append that met it
 * wrote nothing visible; the log stays readable up to its previous end. Maps to KAFKA_STORAGE_ERROR.
 */
public sealed class LogIOException extends LogStorageException permits LogOfflineException {
    public LogIOException(String message, Throwable cause) {
        super(message, cause);
    }
}
