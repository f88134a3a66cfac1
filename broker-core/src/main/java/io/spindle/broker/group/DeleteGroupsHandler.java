package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DeleteGroups: empty groups go with their offsets (or, for share groups, their share-partition state); others are
 * refused with NON_EMPTY_GROUP. The other coordinators (share groups) answer for their groups first; the group
 * coordinator for the rest.
 */
final class DeleteGroupsHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;
    private final OtherGroups others;

    DeleteGroupsHandler(GroupCoordinator coordinator, OtherGroups others) {
        super(ApiKeys.DELETE_GROUPS);
        this.coordinator = coordinator;
        this.others = others;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        List<String> groupIds = ((DeleteGroupsRequest) request).data().groupsNames();
        return others.delete(groupIds).thenCompose(otherResults -> {
            List<String> rest = new ArrayList<>();
            for (String groupId : groupIds) {
                if (!otherResults.containsKey(groupId)) {
                    rest.add(groupId);
                }
            }
            return coordinator.deleteGroups(rest).thenApply(results -> {
                Map<String, DeletableGroupResult> byGroup = new HashMap<>();
                results.forEach(r -> byGroup.put(r.groupId(), r));
                otherResults.forEach((groupId, error) -> byGroup.put(groupId,
                        new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code())));
                DeletableGroupResultCollection collection = new DeletableGroupResultCollection();
                for (String groupId : groupIds) {
                    DeletableGroupResult result = byGroup.remove(groupId);
                    if (result != null) {
                        collection.add(result);
                    }
                }
                return ApiResponse.of(new DeleteGroupsResponse(new DeleteGroupsResponseData().setResults(collection)));
            });
        });
    }
}
