package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * AlterPartitionReassignments: starts moving each named partition to its target replicas, or cancels its move (null
 * replicas), through {@link MetadataAuthority#reassignPartition}; each partition gets its own error (unknown topic or
 * partition, an invalid target naming what is wrong, no reassignment in progress). The answer comes once the moves
 * have started on every live broker, not once they are complete: ListPartitionReassignments follows them. Runs on the
 * admin executor.
 */
public final class AlterPartitionReassignmentsHandler extends VersionedApiHandler {
    private final MetadataAuthority authority;
    private final Executor adminExecutor;

    public AlterPartitionReassignmentsHandler(MetadataAuthority authority, Executor adminExecutor) {
        super(ApiKeys.ALTER_PARTITION_REASSIGNMENTS);
        this.authority = authority;
        this.adminExecutor = adminExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request,
                                                 ClientConnection connection) {
        AlterPartitionReassignmentsRequestData data = ((AlterPartitionReassignmentsRequest) request).data();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(reassignAll(data)), adminExecutor);
    }

    private AlterPartitionReassignmentsResponse reassignAll(AlterPartitionReassignmentsRequestData data) {
        List<ReassignableTopicResponse> responses = new ArrayList<>();
        for (ReassignableTopic topic : data.topics()) {
            ReassignableTopicResponse response = new ReassignableTopicResponse().setName(topic.name());
            for (ReassignablePartition partition : topic.partitions()) {
                response.partitions().add(reassign(topic.name(), partition, data.allowReplicationFactorChange()));
            }
            responses.add(response);
        }
        return new AlterPartitionReassignmentsResponse(new AlterPartitionReassignmentsResponseData()
                .setAllowReplicationFactorChange(data.allowReplicationFactorChange())
                .setErrorCode(Errors.NONE.code()).setResponses(responses));
    }

    private ReassignablePartitionResponse reassign(String topic, ReassignablePartition partition,
                                                   boolean allowReplicationFactorChange) {
        ReassignablePartitionResponse response = new ReassignablePartitionResponse()
                .setPartitionIndex(partition.partitionIndex()).setErrorCode(Errors.NONE.code());
        try {
            authority.reassignPartition(topic, partition.partitionIndex(), Optional.ofNullable(partition.replicas()),
                    allowReplicationFactorChange);
        } catch (RuntimeException e) {
            ApiError error = AdminErrors.of("Reassigning partition " + partition.partitionIndex() + " of topic", topic,
                    e);
            response.setErrorCode(error.error().code()).setErrorMessage(error.message());
        }
        return response;
    }
}
