package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** ConsumerGroupDescribe (KIP-848 groups); a classic or unknown group is GROUP_ID_NOT_FOUND. */
final class ConsumerGroupDescribeHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;

    ConsumerGroupDescribeHandler(GroupCoordinator coordinator) {
        super(ApiKeys.CONSUMER_GROUP_DESCRIBE);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        return coordinator.consumerGroupDescribe(((ConsumerGroupDescribeRequest) request).data().groupIds())
                .thenApply(groups -> ApiResponse.of(new ConsumerGroupDescribeResponse(
                        new ConsumerGroupDescribeResponseData().setGroups(groups))));
    }
}
