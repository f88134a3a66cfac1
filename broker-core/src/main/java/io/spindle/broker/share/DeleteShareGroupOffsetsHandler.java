package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.data.StorageErrors;
import io.spindle.share.ShareCoordinator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData.DeleteShareGroupOffsetsRequestTopic;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DeleteShareGroupOffsetsRequest;
import org.apache.kafka.common.requests.DeleteShareGroupOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DeleteShareGroupOffsets (version 0; {@code Admin.deleteShareGroupOffsets}, kafka-share-groups.sh --delete-offsets):
 * drops the group's share-partition state in the named topics (tombstones in {@value ShareCoordinator#STATE_TOPIC},
 * durable before the answer), so the group starts in them again per share.auto.offset.reset. Refused as a whole with
 * GROUP_ID_NOT_FOUND for a group that is not a share group and NON_EMPTY_GROUP while it has members; a topic that
 * does not exist, or one the group has no state in, gets UNKNOWN_TOPIC_OR_PARTITION (as Kafka answers).
 */
final class DeleteShareGroupOffsetsHandler extends VersionedApiHandler {
    private final ShareCoordinator coordinator;
    private final Topics topics;

    DeleteShareGroupOffsetsHandler(ShareCoordinator coordinator, Topics topics) {
        super(ApiKeys.DELETE_SHARE_GROUP_OFFSETS);
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DeleteShareGroupOffsetsRequestData data = ((DeleteShareGroupOffsetsRequest) request).data();
        String group = data.groupId();
        if (group == null || group.isEmpty()) {
            return CompletableFuture.completedFuture(failed(Errors.INVALID_REQUEST, "the group id must not be empty"));
        }
        List<DeleteShareGroupOffsetsResponseTopic> results = new ArrayList<>();
        Map<Uuid, DeleteShareGroupOffsetsResponseTopic> pending = new LinkedHashMap<>();
        for (DeleteShareGroupOffsetsRequestTopic topic : data.topics()) {
            Optional<TopicInfo> info = topics.topic(topic.topicName());
            DeleteShareGroupOffsetsResponseTopic result = new DeleteShareGroupOffsetsResponseTopic()
                    .setTopicName(topic.topicName()).setTopicId(info.map(TopicInfo::id).orElse(Uuid.ZERO_UUID))
                    .setErrorCode(Errors.NONE.code());
            results.add(result);
            if (info.isEmpty()) {
                result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage("topic '" + topic.topicName() + "' does not exist");
            } else {
                pending.put(info.get().id(), result);
            }
        }
        return coordinator.deleteOffsets(group, pending.keySet()).handle((deleted, failure) -> {
            if (failure != null) {
                Throwable cause = StorageErrors.unwrap(failure);
                Errors error = Errors.forException(cause);
                if (error == Errors.NON_EMPTY_GROUP || error == Errors.GROUP_ID_NOT_FOUND
                        || error == Errors.COORDINATOR_NOT_AVAILABLE) {
                    return failed(error, cause.getMessage());
                }
                pending.values().forEach(result -> result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code())
                        .setErrorMessage("cannot store the share state of group '" + group + "': " + cause.getMessage()));
            } else {
                pending.forEach((id, result) -> {
                    if (!deleted.contains(id)) {
                        result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage("share group '"
                                + group + "' has no offsets in topic '" + result.topicName() + "' to delete");
                    }
                });
            }
            return ApiResponse.of(new DeleteShareGroupOffsetsResponse(
                    new DeleteShareGroupOffsetsResponseData().setResponses(results)));
        });
    }

    private static ApiResponse failed(Errors error, String message) {
        return ApiResponse.of(new DeleteShareGroupOffsetsResponse(new DeleteShareGroupOffsetsResponseData()
                .setErrorCode(error.code()).setErrorMessage(message)));
    }
}
