package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** LeaveGroup: one member (v0-2, top-level error) or a batch of members (v3+, an error each). */
final class LeaveGroupHandler extends GroupApiHandler {
    private static final short BATCHED_VERSION = 3;

    private final GroupCoordinator coordinator;

    LeaveGroupHandler(GroupCoordinator coordinator) {
        super(ApiKeys.LEAVE_GROUP);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        LeaveGroupRequestData data = ((LeaveGroupRequest) request).data();
        short version = request.version();
        List<MemberIdentity> members = version >= BATCHED_VERSION ? data.members()
                : List.of(new MemberIdentity().setMemberId(data.memberId()));
        return coordinator.leaveGroup(data.groupId(), members).thenApply(responses -> {
            Errors topLevel = Errors.NONE;
            if (version < BATCHED_VERSION) {
                topLevel = Errors.forCode(responses.get(0).errorCode());
            }
            return ApiResponse.of(new LeaveGroupResponse(responses, topLevel, 0, version));
        });
    }
}
