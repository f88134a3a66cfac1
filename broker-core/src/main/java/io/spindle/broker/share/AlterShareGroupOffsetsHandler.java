package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.data.StorageErrors;
import io.spindle.broker.partition.Partitions;
import io.spindle.share.ShareCoordinator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestPartition;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestTopic;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponsePartition;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AlterShareGroupOffsetsRequest;
import org.apache.kafka.common.requests.AlterShareGroupOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * AlterShareGroupOffsets (version 0; {@code Admin.alterShareGroupOffsets}, kafka-share-groups.sh --reset-offsets):
 * starts each named share-partition of the group anew at the given offset with nothing in flight, durable in
 * {@value ShareCoordinator#STATE_TOPIC} before the answer. Refused as a whole with NON_EMPTY_GROUP while the group has
 * members, and with GROUP_ID_NOT_FOUND when the id is a consumer group's; a group that does not exist yet is made.
 * Per partition: UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist, INVALID_REQUEST for a negative
 * offset.
 */
final class AlterShareGroupOffsetsHandler extends VersionedApiHandler {
    private final ShareCoordinator coordinator;
    private final Topics topics;
    private final Partitions partitions;
    private final Function<String, CompletableFuture<Boolean>> consumerGroupExists;

    AlterShareGroupOffsetsHandler(ShareCoordinator coordinator, Topics topics, Partitions partitions,
                                  Function<String, CompletableFuture<Boolean>> consumerGroupExists) {
        super(ApiKeys.ALTER_SHARE_GROUP_OFFSETS);
        this.coordinator = coordinator;
        this.topics = topics;
        this.partitions = partitions;
        this.consumerGroupExists = consumerGroupExists;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        AlterShareGroupOffsetsRequestData data = ((AlterShareGroupOffsetsRequest) request).data();
        String group = data.groupId();
        if (group == null || group.isEmpty()) {
            return CompletableFuture.completedFuture(failed(Errors.INVALID_REQUEST, "the group id must not be empty"));
        }
        return coordinator.exists(group)
                .thenCompose(exists -> exists ? CompletableFuture.completedFuture(false) : consumerGroupExists.apply(group))
                .thenCompose(isConsumerGroup -> isConsumerGroup
                        ? CompletableFuture.completedFuture(failed(Errors.GROUP_ID_NOT_FOUND,
                                "group '" + group + "' is a consumer group, not a share group"))
                        : alter(group, data));
    }

    private CompletableFuture<ApiResponse> alter(String group, AlterShareGroupOffsetsRequestData data) {
        AlterShareGroupOffsetsResponseData response = new AlterShareGroupOffsetsResponseData();
        Map<ShareCoordinator.PartitionKey, Long> offsets = new LinkedHashMap<>();
        Map<ShareCoordinator.PartitionKey, AlterShareGroupOffsetsResponsePartition> pending = new LinkedHashMap<>();
        for (AlterShareGroupOffsetsRequestTopic topic : data.topics()) {
            Optional<TopicInfo> info = topics.topic(topic.topicName());
            AlterShareGroupOffsetsResponseTopic topicResult = new AlterShareGroupOffsetsResponseTopic()
                    .setTopicName(topic.topicName()).setTopicId(info.map(TopicInfo::id).orElse(Uuid.ZERO_UUID));
            response.responses().add(topicResult);
            for (AlterShareGroupOffsetsRequestPartition partition : topic.partitions()) {
                AlterShareGroupOffsetsResponsePartition result = new AlterShareGroupOffsetsResponsePartition()
                        .setPartitionIndex(partition.partitionIndex()).setErrorCode(Errors.NONE.code());
                topicResult.partitions().add(result);
                if (info.isEmpty() || partitions.get(topic.topicName(), partition.partitionIndex()).isEmpty()) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("no partition " + topic.topicName() + "-" + partition.partitionIndex());
                } else if (partition.startOffset() < 0) {
                    result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("start offset "
                            + partition.startOffset() + " of " + topic.topicName() + "-" + partition.partitionIndex()
                            + " is negative");
                } else {
                    ShareCoordinator.PartitionKey key = new ShareCoordinator.PartitionKey(info.get().id(),
                            partition.partitionIndex());
                    offsets.put(key, partition.startOffset());
                    pending.put(key, result);
                }
            }
        }
        return coordinator.alterOffsets(group, offsets).handle((ignored, failure) -> {
            if (failure != null) {
                Throwable cause = StorageErrors.unwrap(failure);
                Errors error = Errors.forException(cause);
                if (error == Errors.NON_EMPTY_GROUP || error == Errors.COORDINATOR_NOT_AVAILABLE) {
                    return failed(error, cause.getMessage());
                }
                pending.values().forEach(result -> result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())
                        .setErrorMessage("cannot store the share state of group '" + group + "': " + cause.getMessage()));
            }
            return ApiResponse.of(new AlterShareGroupOffsetsResponse(response));
        });
    }

    private static ApiResponse failed(Errors error, String message) {
        return ApiResponse.of(new AlterShareGroupOffsetsResponse(new AlterShareGroupOffsetsResponseData()
                .setErrorCode(error.code()).setErrorMessage(message)));
    }
}
