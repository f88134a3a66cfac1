package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.meta.TopicRegistry;
import io.spindle.config.BrokerConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * CreatePartitions: raises a topic's partition count (never lowers it: INVALID_PARTITIONS), optionally only
 * validating. Explicit assignments must place every new partition on this broker. Runs on the admin executor.
 */
public final class CreatePartitionsHandler extends VersionedApiHandler {
    private final TopicRegistry topics;
    private final int nodeId;
    private final Executor adminExecutor;

    private final MetadataAuthority authority;

    public CreatePartitionsHandler(TopicRegistry topics, MetadataAuthority authority, BrokerConfig config,
                                   Executor adminExecutor) {
        super(ApiKeys.CREATE_PARTITIONS);
        this.topics = topics;
        this.authority = authority;
        this.nodeId = config.nodeId();
        this.adminExecutor = adminExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        CreatePartitionsRequestData data = ((CreatePartitionsRequest) request).data();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(increaseAll(data)), adminExecutor);
    }

    private CreatePartitionsResponse increaseAll(CreatePartitionsRequestData data) {
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new HashSet<>();
        for (CreatePartitionsTopic topic : data.topics()) {
            if (!seen.add(topic.name())) {
                duplicates.add(topic.name());
            }
        }
        List<CreatePartitionsTopicResult> results = new ArrayList<>();
        for (CreatePartitionsTopic topic : data.topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(topic.name());
            try {
                if (duplicates.contains(topic.name())) {
                    result.setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("Duplicate topic '" + topic.name() + "' in request.");
                } else {
                    checkAssignments(topic);
                    authority.createPartitions(topic.name(), topic.count(), data.validateOnly());
                    result.setErrorCode(Errors.NONE.code());
                }
            } catch (RuntimeException e) {
                ApiError error = AdminErrors.of("Adding partitions to topic", topic.name(), e);
                result.setErrorCode(error.error().code()).setErrorMessage(error.message());
            }
            results.add(result);
        }
        return new CreatePartitionsResponse(new CreatePartitionsResponseData().setResults(results));
    }

    private void checkAssignments(CreatePartitionsTopic topic) {
        if (topic.assignments() == null) {
            return;
        }
        for (CreatePartitionsAssignment assignment : topic.assignments()) {
            if (!assignment.brokerIds().equals(List.of(nodeId))) {
                throw new InvalidReplicaAssignmentException("Topic '" + topic.name() + "': new partitions can only be "
                        + "placed on the only broker, " + nodeId + ", not on " + assignment.brokerIds() + ".");
            }
        }
        int current = topics.topic(topic.name()).map(info -> info.partitions()).orElse(0);
        if (current > 0 && topic.assignments().size() != topic.count() - current) {
            throw new InvalidReplicaAssignmentException("Topic '" + topic.name() + "': " + topic.assignments().size()
                    + " assignments given for " + (topic.count() - current) + " new partitions.");
        }
    }
}
