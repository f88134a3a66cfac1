package io.spindle.broker;

import org.apache.kafka.common.requests.AbstractResponse;

/**
 * A response and what must be released once it has been written to the socket (or dropped because the
 * connection closed): for Fetch, the log slices whose bytes it sends zero-copy.
 *
 * @param body    the response
 * @param release closed exactly once after the response is written or dropped; may be null
 */
public record ApiResponse(AbstractResponse body, AutoCloseable release) {
    public static ApiResponse of(AbstractResponse body) {
        return new ApiResponse(body, null);
    }
}
