package io.spindle.broker.network;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Routes parsed requests to the handler of their API. A request for an API without a handler, or at a
 * version outside its handler's range, is answered with UNSUPPORTED_VERSION (the request's own error
 * response) rather than dropped. ApiVersions at a version the broker does not serve arrives here already
 * rewritten to a v0 request flagged {@link ApiVersionsRequest#hasUnsupportedRequestVersion()}, and goes to
 * the ApiVersions handler, which answers with the supported ranges as Kafka does. Immutable, thread-safe.
 */
public final class RequestDispatcher {
    private final Map<ApiKeys, ApiHandler> handlers;

    /** @throws IllegalArgumentException for two handlers of one API or a range Kafka's schemas do not cover */
    public RequestDispatcher(Collection<? extends ApiHandler> handlers) {
        Map<ApiKeys, ApiHandler> byKey = new EnumMap<>(ApiKeys.class);
        for (ApiHandler handler : handlers) {
            ApiKeys key = handler.apiKey();
            if (handler.minVersion() > handler.maxVersion() || handler.minVersion() < key.oldestVersion()
                    || handler.maxVersion() > key.latestVersion(true)) {
                throw new IllegalArgumentException("Handler " + handler.getClass().getName() + " serves " + key
                        + " v" + handler.minVersion() + "-" + handler.maxVersion() + ", outside the versions kafka-clients knows ("
                        + key.oldestVersion() + "-" + key.latestVersion(true) + ")");
            }
            ApiHandler previous = byKey.put(key, handler);
            if (previous != null) {
                throw new IllegalArgumentException("Two handlers for " + key + ": " + previous.getClass().getName()
                        + " and " + handler.getClass().getName());
            }
        }
        this.handlers = Collections.unmodifiableMap(byKey);
    }

    /** The registered handlers by API. */
    public Map<ApiKeys, ApiHandler> handlers() {
        return handlers;
    }

    /** True when a handler serves {@code key} at {@code version}. */
    public boolean serves(ApiKeys key, short version) {
        ApiHandler handler = handlers.get(key);
        return handler != null && version >= handler.minVersion() && version <= handler.maxVersion();
    }

    /** Hands the request to its handler, or answers UNSUPPORTED_VERSION. Never throws; failures complete the future. */
    CompletableFuture<ApiResponse> dispatch(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ApiKeys key = header.apiKey();
        ApiHandler handler = handlers.get(key);
        boolean unsupportedApiVersions = request instanceof ApiVersionsRequest
                && ((ApiVersionsRequest) request).hasUnsupportedRequestVersion();
        if (handler == null || (!unsupportedApiVersions && !serves(key, header.apiVersion()))) {
            String reason = handler == null
                    ? key + " is not implemented by this broker"
                    : key + " v" + header.apiVersion() + " is not supported; this broker serves v"
                      + handler.minVersion() + " to v" + handler.maxVersion();
            return CompletableFuture.completedFuture(
                    ApiResponse.of(request.getErrorResponse(0, new UnsupportedVersionException(reason))));
        }
        try {
            CompletableFuture<ApiResponse> response = handler.handle(header, request, connection);
            if (response == null) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        handler.getClass().getName() + " returned no future for " + key));
            }
            return response;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
