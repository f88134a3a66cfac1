package io.spindle.broker.group;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.groups.GroupCoordinator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * OffsetFetch: one group with a top-level topic list (v1-7) or a batch of groups (v8+, as 4.x clients send
 * them); from v10 topics come by id. A partition without a committed offset gets offset -1 and no error.
 */
final class OffsetFetchHandler extends GroupApiHandler {
    private final GroupCoordinator coordinator;
    private final GroupTopicIds ids;

    OffsetFetchHandler(GroupCoordinator coordinator, GroupTopicIds ids) {
        super(ApiKeys.OFFSET_FETCH);
        this.coordinator = coordinator;
        this.ids = ids;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        OffsetFetchRequestData data = ((OffsetFetchRequest) request).data();
        short version = request.version();
        if (version < OffsetFetchRequest.BATCH_MIN_VERSION) {
            return single(data, version);
        }
        boolean byId = OffsetFetchRequest.useTopicIds(version);
        List<CompletableFuture<OffsetFetchResponseGroup>> answers = new ArrayList<>();
        for (OffsetFetchRequestGroup group : data.groups()) {
            answers.add(fetch(group, byId, data.requireStable()));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<OffsetFetchResponseGroup> groups = new ArrayList<>();
            answers.forEach(answer -> groups.add(answer.join()));
            return ApiResponse.of(new OffsetFetchResponse(new OffsetFetchResponseData().setGroups(groups), version));
        });
    }

    private CompletableFuture<OffsetFetchResponseGroup> fetch(OffsetFetchRequestGroup group, boolean byId,
                                                             boolean requireStable) {
        if (!byId || group.topics() == null) {
            return coordinator.fetchOffsets(group, requireStable).thenApply(response -> byId ? withIds(response) : response);
        }
        List<OffsetFetchResponseTopics> unknown = new ArrayList<>();
        List<OffsetFetchRequestTopics> known = new ArrayList<>();
        for (OffsetFetchRequestTopics topic : group.topics()) {
            String name = ids.name(topic.topicId());
            if (name == null) {
                OffsetFetchResponseTopics failed = new OffsetFetchResponseTopics().setTopicId(topic.topicId()).setName("");
                for (int partition : topic.partitionIndexes()) {
                    failed.partitions().add(new OffsetFetchResponsePartitions().setPartitionIndex(partition)
                            .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("")
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                }
                unknown.add(failed);
            } else {
                known.add(topic.duplicate().setName(name));
            }
        }
        return coordinator.fetchOffsets(group.duplicate().setTopics(known), requireStable).thenApply(response -> {
            withIds(response);
            response.topics().addAll(unknown);
            return response;
        });
    }

    private OffsetFetchResponseGroup withIds(OffsetFetchResponseGroup response) {
        for (OffsetFetchResponseTopics topic : response.topics()) {
            topic.setTopicId(ids.id(topic.name())).setName("");
        }
        return response;
    }

    /** v1-7: one group, its topics at the top level, and its error both per partition and (v2+) at the top. */
    private CompletableFuture<ApiResponse> single(OffsetFetchRequestData data, short version) {
        List<OffsetFetchRequestTopics> topics = null;
        if (data.topics() != null) {
            topics = new ArrayList<>();
            for (OffsetFetchRequestTopic topic : data.topics()) {
                topics.add(new OffsetFetchRequestTopics().setName(topic.name())
                        .setPartitionIndexes(new ArrayList<>(topic.partitionIndexes())));
            }
        }
        OffsetFetchRequestGroup group = new OffsetFetchRequestGroup().setGroupId(data.groupId()).setTopics(topics);
        return coordinator.fetchOffsets(group, data.requireStable()).thenApply(answer -> {
            List<OffsetFetchResponseTopic> out = new ArrayList<>();
            for (OffsetFetchResponseTopics topic : answer.topics()) {
                OffsetFetchResponseTopic t = new OffsetFetchResponseTopic().setName(topic.name());
                for (OffsetFetchResponsePartitions p : topic.partitions()) {
                    t.partitions().add(new OffsetFetchResponsePartition().setPartitionIndex(p.partitionIndex())
                            .setCommittedOffset(p.committedOffset()).setCommittedLeaderEpoch(p.committedLeaderEpoch())
                            .setMetadata(p.metadata()).setErrorCode(p.errorCode() != 0 ? p.errorCode() : answer.errorCode()));
                }
                out.add(t);
            }
            OffsetFetchResponseData response = new OffsetFetchResponseData().setTopics(out);
            if (version >= OffsetFetchRequest.TOP_LEVEL_ERROR_AND_NULL_TOPICS_MIN_VERSION) {
                response.setErrorCode(answer.errorCode());
            }
            return ApiResponse.of(new OffsetFetchResponse(response, version));
        });
    }
}
