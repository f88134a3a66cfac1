package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** ConsumerGroupHeartbeat (KIP-848): membership, subscription and server-side assignment in one request. */
final class ConsumerGroupHeartbeatHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;
    private final OtherGroups others;

    ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator, OtherGroups others) {
        super(ApiKeys.CONSUMER_GROUP_HEARTBEAT);
        this.coordinator = coordinator;
        this.others = others;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ConsumerGroupHeartbeatRequest heartbeat = (ConsumerGroupHeartbeatRequest) request;
        String groupId = heartbeat.data().groupId();
        CompletableFuture<Boolean> taken = heartbeat.data().memberEpoch() == 0
                ? others.exists(groupId) : CompletableFuture.completedFuture(false);
        return taken.thenCompose(isShare -> isShare
                ? CompletableFuture.completedFuture(ApiResponse.of(heartbeat.getErrorResponse(0,
                        new GroupIdNotFoundException("group '" + groupId + "' is a share group, not a consumer group"))))
                : coordinator.consumerGroupHeartbeat(client(header, connection), heartbeat.data())
                        .thenApply(data -> ApiResponse.of(new ConsumerGroupHeartbeatResponse(data))));
    }
}
