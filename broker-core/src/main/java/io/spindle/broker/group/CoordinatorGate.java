package io.spindle.broker.group;

import io.spindle.broker.ApiHandler;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.cluster.ClusterBroker;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A coordinator API answered only by the broker that coordinates: on any other broker of a cluster the request is
 * answered NOT_COORDINATOR in every part (Kafka's error response for the request), so the client finds the coordinator
 * again. A single broker always coordinates, so it passes everything.
 */
final class CoordinatorGate implements ApiHandler {
    private final ApiHandler handler;
    private final Supplier<Optional<ClusterBroker>> coordinator;
    private final IntSupplier self;

    CoordinatorGate(ApiHandler handler, Supplier<Optional<ClusterBroker>> coordinator, IntSupplier self) {
        this.handler = handler;
        this.coordinator = coordinator;
        this.self = self;
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
        Optional<ClusterBroker> current = coordinator.get();
        if (current.isPresent() && current.get().id() == self.getAsInt()) {
            return handler.handle(header, request, connection);
        }
        String where = current.map(broker -> "broker " + broker.id()).orElse("no broker yet");
        return CompletableFuture.completedFuture(ApiResponse.of(request.getErrorResponse(0,
                new NotCoordinatorException("Broker " + self.getAsInt() + " does not coordinate groups; " + where
                        + " does"))));
    }
}
