package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** DescribeGroups (classic groups): state, protocol, members with their subscriptions and assignments. */
final class DescribeGroupsHandler extends GroupApiHandler {
    /** From v6 an unknown group is GROUP_ID_NOT_FOUND rather than a Dead group (KIP-1043). */
    private static final short NOT_FOUND_ERROR_VERSION = 6;

    private final GroupCoordinator coordinator;

    DescribeGroupsHandler(GroupCoordinator coordinator) {
        super(ApiKeys.DESCRIBE_GROUPS);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeGroupsRequest describe = (DescribeGroupsRequest) request;
        return coordinator.describeGroups(describe.data().groups(), request.version() >= NOT_FOUND_ERROR_VERSION)
                .thenApply(groups -> ApiResponse.of(new DescribeGroupsResponse(new DescribeGroupsResponseData().setGroups(groups))));
    }
}
