package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** ListGroups: every group, the other coordinators' (share groups) too, filtered by state (v4+) and type (v5+). */
final class ListGroupsHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;
    private final OtherGroups others;

    ListGroupsHandler(GroupCoordinator coordinator, OtherGroups others) {
        super(ApiKeys.LIST_GROUPS);
        this.coordinator = coordinator;
        this.others = others;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ListGroupsRequestData data = ((ListGroupsRequest) request).data();
        return coordinator.listGroups(data)
                .thenCombine(others.list(data.statesFilter(), data.typesFilter()), (response, more) -> {
                    response.groups().addAll(more);
                    return ApiResponse.of(new ListGroupsResponse(response));
                });
    }
}
