package io.spindle.groups;

import io.spindle.log.KeyedStateLog;
import io.spindle.log.LogStorageException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed offsets of the groups as the offset requests see them: OffsetCommit (checked against the group's
 * generation or member epoch, answered once durable), OffsetFetch (with KIP-447's require_stable, which asks
 * {@link PendingTransactionalOffsets} whether a transaction has offsets of a partition waiting) and OffsetDelete.
 * The offsets themselves live in each {@link Group}; this class is the requests' rules over them.
 *
 * <p>Threading: the coordinator thread only (the {@link GroupCoordinator} runs every call there). Its messages are
 * logged under the coordinator's logger.
 */
final class CommittedOffsets {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final OffsetsHost host;
    private final PendingTransactionalOffsets transactional;

    CommittedOffsets(OffsetsHost host, PendingTransactionalOffsets transactional) {
        this.host = host;
        this.transactional = transactional;
    }

    /** OffsetCommit; the answer comes once the offsets are durable. Topics by name. */
    CompletableFuture<OffsetCommitResponseData> commit(OffsetCommitRequestData request) {
        String groupId = request.groupId();
        Errors groupError;
        Group group = host.group(groupId);
        int generation = request.generationIdOrMemberEpoch();
        if (groupId == null || groupId.isEmpty()) {
            groupError = Errors.INVALID_GROUP_ID;
        } else if (group == null) {
            if (generation < 0) {
                group = host.groupForOffsets(groupId);     // a group that only stores offsets
                groupError = Errors.NONE;
            } else {
                groupError = Errors.ILLEGAL_GENERATION;
            }
        } else if (group instanceof ClassicGroup classic) {
            groupError = classic.validateCommit(request.memberId(), request.groupInstanceId(), generation);
        } else {
            groupError = ((ConsumerGroup) group).validateMemberEpoch(request.memberId(), generation, true);
        }
        long now = host.nowMs();
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        List<KeyedStateLog.Entry> entries = new ArrayList<>();
        Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
        for (OffsetCommitRequestTopic topic : request.topics()) {
            OffsetCommitResponseTopic responseTopic = new OffsetCommitResponseTopic().setName(topic.name())
                    .setTopicId(topic.topicId());
            response.topics().add(responseTopic);
            for (OffsetCommitRequestPartition p : topic.partitions()) {
                Errors error = partitionError(groupError, p.committedMetadata());
                if (error == Errors.NONE) {
                    CommittedOffset offset = new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(),
                            p.committedMetadata(), now);
                    accepted.put(new TopicPartition(topic.name(), p.partitionIndex()), offset);
                    entries.add(new KeyedStateLog.Entry(OffsetsRecords.offsetKey(groupId, topic.name(), p.partitionIndex()),
                            OffsetsRecords.offsetValue(offset)));
                }
                responseTopic.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(error.code()));
            }
        }
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        CompletableFuture<Void> durable;
        try {
            durable = host.append(entries);
        } catch (LogStorageException e) {
            LOG.error("Group '{}': cannot store {} committed offset(s): {}", groupId, entries.size(), e.getMessage());
            failAccepted(response, accepted.keySet());
            return CompletableFuture.completedFuture(response);
        }
        Group committing = group;
        return durable.handle((ignored, failure) -> {
            if (failure != null) {
                LOG.error("Group '{}': committed offsets did not become durable: {}", groupId, failure.toString());
                failAccepted(response, accepted.keySet());
            } else {
                // Visible once written as promised (in a cluster: held by the in-sync replicas), never before: an
                // OffsetFetch that saw a commit a coordinator failover then lost would see the offset go back. Queued
                // on the coordinator thread before the answer leaves, so the committer's next request sees it.
                host.onCoordinatorThread(durable, () -> committing.offsets.putAll(accepted));
            }
            return response;
        });
    }

    /**
     * A committed partition's error, in OffsetCommit and TxnOffsetCommit alike: the group's (member, generation or
     * epoch), else OFFSET_METADATA_TOO_LARGE for metadata over {@link GroupCoordinator#MAX_METADATA_LENGTH}, else NONE.
     */
    static Errors partitionError(Errors groupError, String metadata) {
        if (groupError == Errors.NONE && metadata != null && metadata.length() > GroupCoordinator.MAX_METADATA_LENGTH) {
            return Errors.OFFSET_METADATA_TOO_LARGE;
        }
        return groupError;
    }

    private static void failAccepted(OffsetCommitResponseData response, Set<TopicPartition> accepted) {
        for (OffsetCommitResponseTopic topic : response.topics()) {
            for (OffsetCommitResponsePartition p : topic.partitions()) {
                if (accepted.contains(new TopicPartition(topic.name(), p.partitionIndex()))) {
                    p.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
                }
            }
        }
    }

    /**
     * OffsetFetch; with {@code requireStable} (KIP-447, read_committed consumers) a partition with offsets waiting in
     * an open transaction is answered UNSTABLE_OFFSET_COMMIT, and the client asks again.
     */
    CompletableFuture<OffsetFetchResponseGroup> fetch(OffsetFetchRequestGroup request, boolean requireStable) {
        OffsetFetchResponseGroup response = new OffsetFetchResponseGroup().setGroupId(request.groupId());
        Group group = host.group(request.groupId());
        if (group instanceof ConsumerGroup consumer && request.memberId() != null) {
            Errors error = consumer.validateMemberEpoch(request.memberId(), request.memberEpoch(), false);
            if (error != Errors.NONE) {
                return CompletableFuture.completedFuture(response.setErrorCode(error.code()));
            }
        }
        Map<TopicPartition, CommittedOffset> offsets = group == null ? Map.of() : group.offsets;
        Map<String, OffsetFetchResponseTopics> byTopic = new LinkedHashMap<>();
        if (request.topics() == null) {
            for (Map.Entry<TopicPartition, CommittedOffset> e : byName(offsets).entrySet()) {
                addFetched(byTopic, e.getKey().topic(), e.getKey().partition(), e.getValue());
            }
        } else {
            for (OffsetFetchRequestTopics topic : request.topics()) {
                byTopic.computeIfAbsent(topic.name(), n -> new OffsetFetchResponseTopics().setName(n)
                        .setTopicId(topic.topicId()));
                for (int partition : topic.partitionIndexes()) {
                    addFetched(byTopic, topic.name(), partition, offsets.get(new TopicPartition(topic.name(), partition)));
                }
            }
        }
        if (requireStable) {
            for (OffsetFetchResponseTopics topic : byTopic.values()) {
                for (OffsetFetchResponsePartitions p : topic.partitions()) {
                    if (transactional.unstable(request.groupId(), new TopicPartition(topic.name(), p.partitionIndex()))) {
                        p.setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
                    }
                }
            }
        }
        return CompletableFuture.completedFuture(response.setTopics(new ArrayList<>(byTopic.values())));
    }

    static Map<TopicPartition, CommittedOffset> byName(Map<TopicPartition, CommittedOffset> offsets) {
        Map<TopicPartition, CommittedOffset> sorted = new TreeMap<>((a, b) -> {
            int c = a.topic().compareTo(b.topic());
            return c != 0 ? c : Integer.compare(a.partition(), b.partition());
        });
        sorted.putAll(offsets);
        return sorted;
    }

    private static void addFetched(Map<String, OffsetFetchResponseTopics> byTopic, String topic, int partition,
                                   CommittedOffset offset) {
        byTopic.computeIfAbsent(topic, n -> new OffsetFetchResponseTopics().setName(n)).partitions()
                .add(new OffsetFetchResponsePartitions()
                        .setPartitionIndex(partition)
                        .setCommittedOffset(offset == null ? -1 : offset.offset())
                        .setCommittedLeaderEpoch(offset == null ? -1 : offset.leaderEpoch())
                        .setMetadata(offset == null ? "" : offset.metadata())
                        .setErrorCode(Errors.NONE.code()));
    }

    /** OffsetDelete: removes a group's offsets of partitions its members do not consume. */
    CompletableFuture<OffsetDeleteResponseData> delete(OffsetDeleteRequestData request) {
        Group group = host.group(request.groupId());
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        if (group == null) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
        }
        if (group instanceof ClassicGroup classic && !classic.isEmpty() && !"consumer".equals(classic.protocolType)) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.NON_EMPTY_GROUP.code()));
        }
        List<KeyedStateLog.Entry> entries = new ArrayList<>();
        OffsetDeleteResponseTopicCollection topicsOut = new OffsetDeleteResponseTopicCollection();
        for (OffsetDeleteRequestTopic topic : request.topics()) {
            OffsetDeleteResponsePartitionCollection partitions = new OffsetDeleteResponsePartitionCollection();
            boolean subscribed = group.subscribedTo(topic.name());
            for (OffsetDeleteRequestPartition p : topic.partitions()) {
                Errors error = subscribed ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE;
                if (!subscribed && group.offsets.remove(new TopicPartition(topic.name(), p.partitionIndex())) != null) {
                    entries.add(new KeyedStateLog.Entry(OffsetsRecords.offsetKey(group.groupId, topic.name(), p.partitionIndex()), null));
                }
                partitions.add(new OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
            topicsOut.add(new OffsetDeleteResponseTopic().setName(topic.name()).setPartitions(partitions));
        }
        response.setTopics(topicsOut);
        return host.appendThen(entries, response, () -> response.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
    }
}
