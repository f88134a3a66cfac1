package io.spindle.broker.network;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * What the listener reports about its traffic (the broker turns it into metrics). Called on event loop
 * threads: implementations must be thread-safe and must not block.
 */
public interface RequestObserver {
    /** Reports nothing. */
    RequestObserver NONE = new RequestObserver() {
    };

    default void connectionOpened() {
    }

    default void connectionClosed() {
    }

    /**
     * A request's response is ready (or it needs none).
     *
     * @param errorCode the response's error code, the first one other than NONE where it carries several; 0 for none
     * @param nanos     from the request's arrival to its response being ready
     */
    default void requestCompleted(ApiKeys api, short errorCode, long nanos) {
    }
}
