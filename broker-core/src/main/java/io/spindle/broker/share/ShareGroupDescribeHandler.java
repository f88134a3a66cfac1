package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.share.ShareMembership;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ShareGroupDescribeRequest;
import org.apache.kafka.common.requests.ShareGroupDescribeResponse;

/** ShareGroupDescribe (version 1): state, epochs and members with their assignments; unknown groups GROUP_ID_NOT_FOUND. */
final class ShareGroupDescribeHandler extends VersionedApiHandler {
    /** Kafka's "not requested" value of authorized_operations. */
    private static final int OPERATIONS_NOT_REQUESTED = Integer.MIN_VALUE;

    private final ShareMembership membership;

    ShareGroupDescribeHandler(ShareMembership membership) {
        super(ApiKeys.SHARE_GROUP_DESCRIBE);
        this.membership = membership;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        return membership.describe(((ShareGroupDescribeRequest) request).data().groupIds()).thenApply(groups -> {
            groups.forEach(group -> group.setAuthorizedOperations(OPERATIONS_NOT_REQUESTED));
            return ApiResponse.of(new ShareGroupDescribeResponse(new ShareGroupDescribeResponseData().setGroups(groups)));
        });
    }
}
