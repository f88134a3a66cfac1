package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/** SyncGroup: followers' requests wait (as futures) for the leader's assignment. */
final class SyncGroupHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;

    SyncGroupHandler(GroupCoordinator coordinator) {
        super(ApiKeys.SYNC_GROUP);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        return coordinator.syncGroup(((SyncGroupRequest) request).data())
                .thenApply(data -> ApiResponse.of(new SyncGroupResponse(data)));
    }
}
