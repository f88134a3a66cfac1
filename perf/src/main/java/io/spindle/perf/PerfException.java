package io.spindle.perf;

/** A load run could not do what it was asked; the message names the broker, topic or process involved. */
public final class PerfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PerfException(String message) {
        super(message);
    }

    public PerfException(String message, Throwable cause) {
        super(message, cause);
    }
}
