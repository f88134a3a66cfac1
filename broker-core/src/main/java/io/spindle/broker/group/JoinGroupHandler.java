package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.InconsistentGroupProtocolException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** JoinGroup: answered when the rebalance completes (a future of the coordinator), never by a parked thread. */
final class JoinGroupHandler extends GroupApiHandler {
    /** From v4 a new dynamic member first gets MEMBER_ID_REQUIRED and an id to rejoin with (KIP-394). */
    private static final short REQUIRE_KNOWN_MEMBER_ID_VERSION = 4;

    private final GroupCoordinator coordinator;
    private final OtherGroups others;

    JoinGroupHandler(GroupCoordinator coordinator, OtherGroups others) {
        super(ApiKeys.JOIN_GROUP);
        this.coordinator = coordinator;
        this.others = others;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        JoinGroupRequest join = (JoinGroupRequest) request;
        short version = request.version();
        String groupId = join.data().groupId();
        return others.exists(groupId).thenCompose(taken -> taken
                ? CompletableFuture.completedFuture(ApiResponse.of(join.getErrorResponse(0,
                        new InconsistentGroupProtocolException("group '" + groupId + "' is a share group"))))
                : coordinator.joinGroup(client(header, connection), join.data(), version >= REQUIRE_KNOWN_MEMBER_ID_VERSION)
                        .thenApply(data -> ApiResponse.of(new JoinGroupResponse(data, version))));
    }
}
