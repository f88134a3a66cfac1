package io.spindle.broker.admin;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.cluster.MetadataAuthority;
import io.spindle.broker.cluster.PartitionLeadership;
import io.spindle.broker.meta.TopicRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.Cursor;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopicCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DescribeTopicPartitions (KIP-966; kafka-clients 4.x's {@code Admin.describeTopics} uses it): each named topic (every
 * topic when none is named), in name order, with each partition's leader, leader epoch, replicas and in-sync replicas
 * as the {@link MetadataAuthority} knows them, like Metadata. Answers are paged: at most
 * {@value #MAX_PARTITIONS_PER_RESPONSE} partitions (or the request's lower limit) per response, and when more remain
 * the response's cursor names the topic and partition the next request starts from (sent back as the request's
 * cursor). A cursor's topic must be one of the named topics (INVALID_REQUEST otherwise) and its partition not negative.
 * A named topic that does not exist is answered UNKNOWN_TOPIC_OR_PARTITION (an invalid name INVALID_TOPIC_EXCEPTION)
 * and counts for no partition. Spindle keeps no eligible leader replicas (KIP-966's ELR): those lists are empty.
 */
public final class DescribeTopicPartitionsHandler extends VersionedApiHandler {
    /** Kafka's default max.request.partition.size.limit. */
    static final int MAX_PARTITIONS_PER_RESPONSE = 2000;

    private final TopicRegistry topics;
    private final MetadataAuthority authority;

    public DescribeTopicPartitionsHandler(TopicRegistry topics, MetadataAuthority authority) {
        super(ApiKeys.DESCRIBE_TOPIC_PARTITIONS);
        this.topics = topics;
        this.authority = authority;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeTopicPartitionsRequestData data = ((DescribeTopicPartitionsRequest) request).data();
        TreeSet<String> names = new TreeSet<>();
        data.topics().forEach(topic -> names.add(topic.name()));
        boolean everyTopic = names.isEmpty();
        if (everyTopic) {
            topics.all().forEach(topic -> names.add(topic.name()));
        }
        Cursor cursor = data.cursor();
        if (cursor != null) {
            String refusal = cursor.partitionIndex() < 0 ? "the cursor's partition index " + cursor.partitionIndex()
                    + " is negative"
                    : !everyTopic && !names.contains(cursor.topicName()) ? "the cursor's topic '" + cursor.topicName()
                    + "' is not among the requested topics" : null;
            if (refusal != null) {
                return CompletableFuture.completedFuture(ApiResponse.of(request.getErrorResponse(0,
                        new InvalidRequestException("DescribeTopicPartitions: " + refusal))));
            }
        }
        Iterable<String> inOrder = cursor == null ? names : names.tailSet(cursor.topicName(), true);
        int remaining = Math.min(data.responsePartitionLimit(), MAX_PARTITIONS_PER_RESPONSE);
        DescribeTopicPartitionsResponseData response = new DescribeTopicPartitionsResponseData();
        DescribeTopicPartitionsResponseTopicCollection described = new DescribeTopicPartitionsResponseTopicCollection();
        for (String name : inOrder) {
            if (remaining <= 0) {
                response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name)
                        .setPartitionIndex(0));
                break;
            }
            Optional<TopicInfo> topic = topics.topic(name);
            if (topic.isEmpty()) {
                Errors error = Topic.isValid(name) ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.INVALID_TOPIC_EXCEPTION;
                described.add(new DescribeTopicPartitionsResponseTopic().setName(name).setErrorCode(error.code())
                        .setTopicId(Uuid.ZERO_UUID).setIsInternal(TopicRegistry.isInternal(name)));
                continue;
            }
            int first = cursor != null && name.equals(cursor.topicName()) ? cursor.partitionIndex() : 0;
            int end = Math.min(topic.get().partitions(), first + remaining);
            List<DescribeTopicPartitionsResponsePartition> partitions = new ArrayList<>();
            for (int index = first; index < end; index++) {
                partitions.add(describe(name, index));
            }
            described.add(new DescribeTopicPartitionsResponseTopic().setName(name).setTopicId(topic.get().id())
                    .setErrorCode(Errors.NONE.code()).setIsInternal(TopicRegistry.isInternal(name))
                    .setPartitions(partitions));
            remaining -= partitions.size();
            if (end < topic.get().partitions()) {
                response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name)
                        .setPartitionIndex(end));
                break;
            }
        }
        response.setTopics(described);
        return CompletableFuture.completedFuture(ApiResponse.of(new DescribeTopicPartitionsResponse(response)));
    }

    private DescribeTopicPartitionsResponsePartition describe(String topic, int index) {
        DescribeTopicPartitionsResponsePartition described = new DescribeTopicPartitionsResponsePartition()
                .setPartitionIndex(index).setEligibleLeaderReplicas(List.of()).setLastKnownElr(List.of());
        Optional<PartitionLeadership> known = authority.partition(topic, index);
        if (known.isEmpty()) {
            return described.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(-1).setLeaderEpoch(-1)
                    .setReplicaNodes(List.of()).setIsrNodes(List.of()).setOfflineReplicas(List.of());
        }
        PartitionLeadership leadership = known.get();
        return described.setErrorCode((leadership.hasLeader() ? Errors.NONE : Errors.LEADER_NOT_AVAILABLE).code())
                .setLeaderId(leadership.leader()).setLeaderEpoch(leadership.leaderEpoch())
                .setReplicaNodes(leadership.replicas()).setIsrNodes(leadership.isr())
                .setEligibleLeaderReplicas(leadership.elr()).setLastKnownElr(leadership.lastKnownElr())
                .setOfflineReplicas(leadership.offlineReplicas());
    }
}
