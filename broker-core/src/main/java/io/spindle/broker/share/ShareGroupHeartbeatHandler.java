package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.share.ShareMembership;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ShareGroupHeartbeatRequest;
import org.apache.kafka.common.requests.ShareGroupHeartbeatResponse;

/**
 * ShareGroupHeartbeat (version 1): membership, subscription and server-side assignment of a share group. Group ids
 * are one namespace: a member joining under the id of a consumer group gets GROUP_ID_NOT_FOUND.
 */
final class ShareGroupHeartbeatHandler extends VersionedApiHandler {
    private final ShareMembership membership;
    private final Function<String, CompletableFuture<Boolean>> consumerGroupExists;

    ShareGroupHeartbeatHandler(ShareMembership membership, Function<String, CompletableFuture<Boolean>> consumerGroupExists) {
        super(ApiKeys.SHARE_GROUP_HEARTBEAT);
        this.membership = membership;
        this.consumerGroupExists = consumerGroupExists;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ShareGroupHeartbeatRequestData data = ((ShareGroupHeartbeatRequest) request).data();
        CompletableFuture<Boolean> taken = data.memberEpoch() == 0 && data.groupId() != null && !data.groupId().isEmpty()
                ? consumerGroupExists.apply(data.groupId()) : CompletableFuture.completedFuture(false);
        return taken.thenCompose(isConsumerGroup -> isConsumerGroup
                ? CompletableFuture.completedFuture(new ShareGroupHeartbeatResponseData()
                        .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage("group '" + data.groupId() + "' is a consumer group, not a share group"))
                : membership.heartbeat(ShareHandlers.client(header, connection), data))
                .thenApply(response -> ApiResponse.of(new ShareGroupHeartbeatResponse(response)));
    }
}
