package io.spindle.broker;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Handles one Kafka API. Called on a Netty event loop: it must not block on disk, fsync or a lock held by
 * disk work; work that blocks goes to an executor, and the future completes when the response is ready.
 * Responses leave each connection in request order whatever order the futures complete in.
 */
public interface ApiHandler {
    /** The API this handler serves. */
    ApiKeys apiKey();

    /** Lowest version served (advertised in ApiVersions). */
    short minVersion();

    /** Highest version served (advertised in ApiVersions). */
    short maxVersion();

    /**
     * Handles a parsed request. Complete with null only for a request that gets no response (Produce with
     * acks=0). An exceptional completion is answered with the request's error response for that exception.
     */
    CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection);
}
