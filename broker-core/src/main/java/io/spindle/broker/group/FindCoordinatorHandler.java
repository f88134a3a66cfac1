package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.cluster.ClusterBroker;
import io.spindle.broker.cluster.CoordinatorLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * FindCoordinator: the {@link CoordinatorLocator} names the broker coordinating groups and the one coordinating
 * transactional ids and the one keeping share-partition state (share keys, {@code group:topicId:partition}): this broker
 * alone, or in a cluster the leaders of the internal topics' partitions. Keys come one per request (v0-3) or batched
 * (v4+, as 4.x clients send them). An unknown key type is INVALID_REQUEST.
 */
final class FindCoordinatorHandler extends GroupApiHandler {
    private static final byte GROUP = 0;
    private static final byte TRANSACTION = 1;
    private static final byte SHARE = 2;

    private final CoordinatorLocator coordinators;

    FindCoordinatorHandler(CoordinatorLocator coordinators) {
        super(ApiKeys.FIND_COORDINATOR);
        this.coordinators = coordinators;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        FindCoordinatorRequestData data = ((FindCoordinatorRequest) request).data();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (request.version() < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
            Coordinator answer = coordinatorFor(data.key(), data.keyType());
            response.setErrorCode(answer.errorCode()).setErrorMessage(answer.errorMessage())
                    .setNodeId(answer.nodeId()).setHost(answer.host()).setPort(answer.port());
        } else {
            List<Coordinator> coordinators = new ArrayList<>();
            for (String key : data.coordinatorKeys()) {
                coordinators.add(coordinatorFor(key, data.keyType()));
            }
            response.setCoordinators(coordinators);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new FindCoordinatorResponse(response)));
    }

    private Coordinator coordinatorFor(String key, byte keyType) {
        Coordinator coordinator = new Coordinator().setKey(key);
        if (keyType != GROUP && keyType != TRANSACTION && keyType != SHARE) {
            return coordinator.setErrorCode(Errors.INVALID_REQUEST.code()).setNodeId(-1).setHost("").setPort(-1)
                    .setErrorMessage("unknown coordinator key type " + keyType
                            + " (0 groups, 1 transactions, 2 share-partition state)");
        }
        if (key == null || key.isEmpty()) {
            return coordinator.setErrorCode(Errors.INVALID_REQUEST.code()).setNodeId(-1).setHost("").setPort(-1)
                    .setErrorMessage(keyType == GROUP ? "the group id must not be empty"
                            : keyType == TRANSACTION ? "the transactional id must not be empty"
                            : "the share-partition key must not be empty");
        }
        Optional<ClusterBroker> found = switch (keyType) {
            case GROUP -> coordinators.groupCoordinator();
            case TRANSACTION -> coordinators.transactionCoordinator();
            default -> coordinators.shareCoordinator();
        };
        if (found.isEmpty()) {
            return coordinator.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setNodeId(-1).setHost("")
                    .setPort(-1).setErrorMessage("no broker leads the internal topic of this coordinator yet");
        }
        ClusterBroker broker = found.get();
        return coordinator.setErrorCode(Errors.NONE.code()).setNodeId(broker.id()).setHost(broker.host())
                .setPort(broker.port());
    }
}
