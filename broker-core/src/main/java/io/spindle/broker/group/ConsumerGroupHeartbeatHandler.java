package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** ConsumerGroupHeartbeat (KIP-848): membership, subscription and server-side assignment in one request. */
final class ConsumerGroupHeartbeatHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;

    ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator) {
        super(ApiKeys.CONSUMER_GROUP_HEARTBEAT);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        return coordinator.consumerGroupHeartbeat(client(header, connection), ((ConsumerGroupHeartbeatRequest) request).data())
                .thenApply(data -> ApiResponse.of(new ConsumerGroupHeartbeatResponse(data)));
    }
}
