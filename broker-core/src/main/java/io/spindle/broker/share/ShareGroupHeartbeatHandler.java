package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.share.ShareCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ShareGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ShareGroupHeartbeatResponse;

/** ShareGroupHeartbeat (version 1): membership, subscription and server-side assignment of a share group. */
final class ShareGroupHeartbeatHandler extends VersionedApiHandler {
    private final ShareCoordinator coordinator;

    ShareGroupHeartbeatHandler(ShareCoordinator coordinator) {
        super(ApiKeys.SHARE_GROUP_HEARTBEAT);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        return coordinator.heartbeat(ShareHandlers.client(header, connection), ((ShareGroupHeartbeatRequest) request).data())
                .thenApply(data -> ApiResponse.of(new ShareGroupHeartbeatResponse(data)));
    }
}
