package io.spindle.log;

/**
 * A write or fsync of a partition log failed, so the log is offline ({@link PartitionLog#isOffline()}): it takes no
 * appends and acknowledges nothing more until a restart recovers it. The first such exception carries the file and
 * the operating system's error and is logged once; {@link #refusal()} gives what later callers are refused with.
 */
public final class LogOfflineException extends LogIOException {
    public LogOfflineException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The exception a later append or wait is refused with: this failure as its cause, with its own stack. */
    LogOfflineException refusal() {
        return new LogOfflineException(getMessage(), this);
    }
}
