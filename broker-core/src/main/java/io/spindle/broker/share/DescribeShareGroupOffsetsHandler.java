package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.share.ShareCoordinator;
import io.spindle.share.SharePartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestTopic;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeShareGroupOffsetsRequest;
import org.apache.kafka.common.requests.DescribeShareGroupOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DescribeShareGroupOffsets (versions 0 and 1; {@code Admin.listShareGroupOffsets}, kafka-share-groups.sh
 * --describe): per share-partition, the start offset of the in-flight window and (v1) the lag, the records below the
 * high watermark the group has still to finish. A partition the group never fetched has start offset and lag -1; all
 * of a group's share-partitions when the request names no topics; GROUP_ID_NOT_FOUND for a group that is not a
 * share group.
 */
final class DescribeShareGroupOffsetsHandler extends VersionedApiHandler {
    private final ShareCoordinator coordinator;
    private final Topics topics;
    private final Partitions partitions;

    DescribeShareGroupOffsetsHandler(ShareCoordinator coordinator, Topics topics, Partitions partitions) {
        super(ApiKeys.DESCRIBE_SHARE_GROUP_OFFSETS);
        this.coordinator = coordinator;
        this.topics = topics;
        this.partitions = partitions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        DescribeShareGroupOffsetsRequestData data = ((DescribeShareGroupOffsetsRequest) request).data();
        List<CompletableFuture<DescribeShareGroupOffsetsResponseGroup>> groups = new ArrayList<>();
        for (DescribeShareGroupOffsetsRequestGroup group : data.groups()) {
            groups.add(coordinator.exists(group.groupId()).thenApply(exists -> exists ? describe(group)
                    : new DescribeShareGroupOffsetsResponseGroup().setGroupId(group.groupId())
                            .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                            .setErrorMessage("share group '" + group.groupId() + "' does not exist")));
        }
        return CompletableFuture.allOf(groups.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            List<DescribeShareGroupOffsetsResponseGroup> answered = new ArrayList<>();
            groups.forEach(group -> answered.add(group.join()));
            return ApiResponse.of(new DescribeShareGroupOffsetsResponse(
                    new DescribeShareGroupOffsetsResponseData().setGroups(answered)));
        });
    }

    private DescribeShareGroupOffsetsResponseGroup describe(DescribeShareGroupOffsetsRequestGroup request) {
        String group = request.groupId();
        Map<String, List<Integer>> asked = new LinkedHashMap<>();
        if (request.topics() == null) {
            coordinator.sharePartitionKeys(group).stream()
                    .sorted(Comparator.comparing((ShareCoordinator.PartitionKey key) -> key.topicId().toString())
                            .thenComparingInt(ShareCoordinator.PartitionKey::partition))
                    .forEach(key -> topics.topic(key.topicId()).ifPresent(topic ->
                    asked.computeIfAbsent(topic.name(), t -> new ArrayList<>()).add(key.partition())));
        } else {
            for (DescribeShareGroupOffsetsRequestTopic topic : request.topics()) {
                asked.computeIfAbsent(topic.topicName(), t -> new ArrayList<>()).addAll(topic.partitions());
            }
        }
        List<DescribeShareGroupOffsetsResponseTopic> topicResults = new ArrayList<>();
        asked.forEach((name, indexes) -> {
            Optional<TopicInfo> topic = topics.topic(name);
            Uuid id = topic.map(TopicInfo::id).orElse(Uuid.ZERO_UUID);
            List<DescribeShareGroupOffsetsResponsePartition> results = new ArrayList<>();
            for (int index : indexes) {
                results.add(partition(group, id, name, index, topic.isPresent()));
            }
            topicResults.add(new DescribeShareGroupOffsetsResponseTopic().setTopicName(name).setTopicId(id)
                    .setPartitions(results));
        });
        return new DescribeShareGroupOffsetsResponseGroup().setGroupId(group).setTopics(topicResults);
    }

    private DescribeShareGroupOffsetsResponsePartition partition(String group, Uuid topicId, String name, int index,
                                                                 boolean topicExists) {
        DescribeShareGroupOffsetsResponsePartition result = new DescribeShareGroupOffsetsResponsePartition()
                .setPartitionIndex(index).setStartOffset(-1).setLeaderEpoch(-1).setLag(-1);
        Optional<Partition> partition = topicExists ? partitions.get(name, index) : Optional.empty();
        if (partition.isEmpty()) {
            return result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                    .setErrorMessage("no partition " + name + "-" + index);
        }
        result.setErrorCode(Errors.NONE.code()).setLeaderEpoch(partition.get().leaderEpoch());
        SharePartition state = coordinator.view(group, topicId, index);
        if (state != null) {
            synchronized (state) {
                result.setStartOffset(state.startOffset()).setLag(state.lag(partition.get().highWatermark()));
            }
        }
        return result;
    }
}
