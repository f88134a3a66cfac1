package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** ListGroups: every group, filtered by state (v4+) and type (v5+). */
final class ListGroupsHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;

    ListGroupsHandler(GroupCoordinator coordinator) {
        super(ApiKeys.LIST_GROUPS);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        return coordinator.listGroups(((ListGroupsRequest) request).data())
                .thenApply(data -> ApiResponse.of(new ListGroupsResponse(data)));
    }
}
