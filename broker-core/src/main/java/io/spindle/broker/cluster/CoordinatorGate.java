package io.spindle.broker.cluster;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A coordinator API answered only where its coordinator lives ({@link CoordinatorHome}): elsewhere the request is
 * answered in every part with the home's refusal (NOT_COORDINATOR, or COORDINATOR_LOAD_IN_PROGRESS while loading), as
 * Kafka's error response for the request, so the client finds the coordinator again. A single broker always
 * coordinates, so it passes everything.
 */
public final class CoordinatorGate implements ApiHandler {
    private final ApiHandler handler;
    private final CoordinatorHome home;
    private final Predicate<AbstractRequest> coordinated;

    /** Gates every request of {@code handler}'s API. */
    public CoordinatorGate(ApiHandler handler, CoordinatorHome home) {
        this(handler, home, request -> true);
    }

    /** Gates the requests {@code coordinated} picks (InitProducerId: only those with a transactional id). */
    public CoordinatorGate(ApiHandler handler, CoordinatorHome home, Predicate<AbstractRequest> coordinated) {
        this.handler = handler;
        this.home = home;
        this.coordinated = coordinated;
    }

    @Override
    public ApiKeys apiKey() {
        return handler.apiKey();
    }

    @Override
    public short minVersion() {
        return handler.minVersion();
    }

    @Override
    public short maxVersion() {
        return handler.maxVersion();
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        Optional<ApiException> refusal = coordinated.test(request) ? home.refusal() : Optional.empty();
        if (refusal.isEmpty()) {
            return handler.handle(header, request, connection);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(request.getErrorResponse(0, refusal.get())));
    }
}
