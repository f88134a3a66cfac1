package io.spindle.client;

/** No broker answered at the bootstrap address within the client's timeout. */
public final class BrokerUnreachableException extends SpindleException {
    private static final long serialVersionUID = 1L;

    public BrokerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
