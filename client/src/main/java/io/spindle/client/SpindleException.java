package io.spindle.client;

/** A client operation failed; the message names the topic, group or address concerned, the cause says why. */
public class SpindleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SpindleException(String message, Throwable cause) {
        super(message, cause);
    }

    public SpindleException(String message) {
        super(message);
    }
}
