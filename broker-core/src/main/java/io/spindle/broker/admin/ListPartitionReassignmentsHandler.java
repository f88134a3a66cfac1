package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.cluster.PartitionReassignment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * ListPartitionReassignments: the reassignments in progress (all of them, or those of the named partitions), each with
 * its replicas and the ones being added and removed. Partitions not being moved, and unknown ones, are left out, as
 * Kafka does. Reads this broker's metadata; cheap, so it runs on the event loop.
 */
public final class ListPartitionReassignmentsHandler extends VersionedApiHandler {
    private final MetadataAuthority authority;

    public ListPartitionReassignmentsHandler(MetadataAuthority authority) {
        super(ApiKeys.LIST_PARTITION_REASSIGNMENTS);
        this.authority = authority;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request,
                                                 ClientConnection connection) {
        ListPartitionReassignmentsRequestData data = ((ListPartitionReassignmentsRequest) request).data();
        Map<String, OngoingTopicReassignment> topics = new LinkedHashMap<>();
        for (PartitionReassignment moving : authority.reassignments()) {
            if (!asked(data.topics(), moving)) {
                continue;
            }
            topics.computeIfAbsent(moving.topic(), name -> new OngoingTopicReassignment().setName(name))
                    .partitions().add(new OngoingPartitionReassignment().setPartitionIndex(moving.partition())
                            .setReplicas(moving.replicas()).setAddingReplicas(moving.addingReplicas())
                            .setRemovingReplicas(moving.removingReplicas()));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new ListPartitionReassignmentsResponse(
                new ListPartitionReassignmentsResponseData().setErrorCode(Errors.NONE.code())
                        .setTopics(List.copyOf(topics.values())))));
    }

    /** Whether the request asks for this partition: every one when it names no topics (null). */
    private static boolean asked(List<ListPartitionReassignmentsTopics> topics, PartitionReassignment moving) {
        if (topics == null) {
            return true;
        }
        for (ListPartitionReassignmentsTopics topic : topics) {
            if (topic.name().equals(moving.topic()) && topic.partitionIndexes().contains(moving.partition())) {
                return true;
            }
        }
        return false;
    }
}
