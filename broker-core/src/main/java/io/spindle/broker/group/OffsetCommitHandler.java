package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * OffsetCommit: answered once the offsets are durable per the flush policy. From v10 topics come by id: an
 * unknown id is answered UNKNOWN_TOPIC_ID for its partitions, the others are committed under the topic's name.
 */
final class OffsetCommitHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;
    private final GroupTopicIds ids;

    OffsetCommitHandler(GroupCoordinator coordinator, GroupTopicIds ids) {
        super(ApiKeys.OFFSET_COMMIT);
        this.coordinator = coordinator;
        this.ids = ids;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        OffsetCommitRequestData data = ((OffsetCommitRequest) request).data();
        boolean byId = OffsetCommitResponse.useTopicIds(request.version());
        if (!byId) {
            return coordinator.commitOffsets(data).thenApply(response -> ApiResponse.of(new OffsetCommitResponse(response)));
        }
        List<OffsetCommitResponseTopic> unknown = new ArrayList<>();
        List<OffsetCommitRequestTopic> known = new ArrayList<>();
        for (OffsetCommitRequestTopic topic : data.topics()) {
            String name = ids.name(topic.topicId());
            if (name == null) {
                OffsetCommitResponseTopic failed = new OffsetCommitResponseTopic().setTopicId(topic.topicId()).setName("");
                for (OffsetCommitRequestPartition p : topic.partitions()) {
                    failed.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex())
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                }
                unknown.add(failed);
            } else {
                known.add(topic.duplicate().setName(name));
            }
        }
        OffsetCommitRequestData named = data.duplicate().setTopics(known);
        return coordinator.commitOffsets(named).thenApply(response -> {
            for (OffsetCommitResponseTopic topic : response.topics()) {
                topic.setName("");     // v10 names topics by id only
            }
            response.topics().addAll(unknown);
            return ApiResponse.of(new OffsetCommitResponse(response));
        });
    }
}
