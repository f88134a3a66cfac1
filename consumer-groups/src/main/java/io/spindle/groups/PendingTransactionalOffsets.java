package io.spindle.groups;

import io.spindle.log.KeyedStateLog;
import io.spindle.log.LogStorageException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offsets committed inside a transaction (TxnOffsetCommit, KIP-98/447): they wait per group and producer id
 * ({@link #commit}) until the transaction coordinator completes the transaction ({@link #complete}): a commit stores
 * them as the group's committed offsets, an abort drops them. They are stored as they arrive (TxnOffsetCommit is
 * answered once they are durable) under keys of their own ({@link OffsetsRecords#transactionalOffsetKey}), so a
 * restart finds them waiting ({@link #restore}). While offsets of a partition wait, an OffsetFetch that requires stable
 * offsets is told so ({@link #unstable}).
 *
 * <p>Threading: the coordinator thread only (the {@link GroupCoordinator} runs every call there). Its messages are
 * logged under the coordinator's logger.
 */
final class PendingTransactionalOffsets {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);

    private final OffsetsHost host;
    /** Offsets committed in open transactions: group -> producer id -> offsets. */
    private final Map<String, Map<Long, Map<TopicPartition, CommittedOffset>>> waiting = new HashMap<>();

    PendingTransactionalOffsets(OffsetsHost host) {
        this.host = host;
    }

    /** Forgets every waiting offset (the coordinator unloads; they are in the log for the next one). */
    void clear() {
        waiting.clear();
    }

    /** At load: the record of a waiting offset ({@code offset}), or its end (null), in the log's order. */
    void restore(String groupId, long producerId, TopicPartition partition, CommittedOffset offset) {
        if (offset == null) {
            drop(groupId, producerId, partition);
        } else {
            waiting.computeIfAbsent(groupId, g -> new HashMap<>())
                    .computeIfAbsent(producerId, id -> new LinkedHashMap<>()).put(partition, offset);
        }
    }

    /**
     * TxnOffsetCommit: the offsets wait, invisible to OffsetFetch, until {@link #complete}. A producer
     * outside the group (no member id, generation -1) may commit; a member is checked as for OffsetCommit. The
     * caller has checked that the group is part of the producer's open transaction. Topics by name.
     */
    CompletableFuture<TxnOffsetCommitResponseData> commit(TxnOffsetCommitRequestData request) {
        String groupId = request.groupId();
        Group group = host.group(groupId);
        String memberId = request.memberId();
        int generation = request.generationIdOrMemberEpoch();
        Errors groupError;
        if (groupId == null || groupId.isEmpty()) {
            groupError = Errors.INVALID_GROUP_ID;
        } else if ((memberId == null || memberId.isEmpty()) && generation < 0) {
            groupError = Errors.NONE;
        } else if (group == null) {
            groupError = Errors.ILLEGAL_GENERATION;
        } else if (group instanceof ClassicGroup classic) {
            groupError = classic.validateCommit(memberId, request.groupInstanceId(), generation);
        } else {
            groupError = ((ConsumerGroup) group).validateMemberEpoch(memberId, generation, true);
        }
        long now = host.nowMs();
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseTopic responseTopic = new TxnOffsetCommitResponseTopic().setName(topic.name());
            response.topics().add(responseTopic);
            for (TxnOffsetCommitRequestPartition p : topic.partitions()) {
                Errors error = CommittedOffsets.partitionError(groupError, p.committedMetadata());
                if (error == Errors.NONE) {
                    accepted.put(new TopicPartition(topic.name(), p.partitionIndex()), new CommittedOffset(
                            p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(), now));
                }
                responseTopic.partitions().add(new TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
        }
        if (accepted.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        long producerId = request.producerId();
        List<KeyedStateLog.Entry> entries = new ArrayList<>();
        for (Map.Entry<TopicPartition, CommittedOffset> e : accepted.entrySet()) {
            entries.add(new KeyedStateLog.Entry(OffsetsRecords.transactionalOffsetKey(groupId, producerId,
                    e.getKey().topic(), e.getKey().partition()), OffsetsRecords.offsetValue(e.getValue())));
        }
        // In memory first, undone below if the append fails. (The order no longer matters for what is stored:
        // the log keeps every record until compaction finds a later one of its key.)
        Map<TopicPartition, CommittedOffset> waitingHere = waiting.computeIfAbsent(groupId, g -> new HashMap<>())
                .computeIfAbsent(producerId, id -> new LinkedHashMap<>());
        Map<TopicPartition, CommittedOffset> before = new LinkedHashMap<>(waitingHere);
        waitingHere.putAll(accepted);
        CompletableFuture<Void> durable;
        try {
            durable = host.append(entries);
        } catch (LogStorageException e) {
            LOG.error("Group '{}': cannot store {} offset(s) of producer {}'s transaction: {}", groupId,
                    entries.size(), producerId, e.getMessage());
            waitingHere.clear();
            waitingHere.putAll(before);
            failTransactional(response);
            return CompletableFuture.completedFuture(response);
        }
        return durable.handle((ignored, failure) -> {
            if (failure != null) {
                LOG.error("Group '{}': offsets of producer {}'s transaction did not become durable: {}", groupId,
                        producerId, failure.toString());
                failTransactional(response);
            }
            return response;
        });
    }

    private static void failTransactional(TxnOffsetCommitResponseData response) {
        for (TxnOffsetCommitResponseTopic topic : response.topics()) {
            for (TxnOffsetCommitResponsePartition p : topic.partitions()) {
                if (p.errorCode() == Errors.NONE.code()) {
                    p.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
                }
            }
        }
    }

    private void drop(String groupId, long producerId, TopicPartition partition) {
        Map<Long, Map<TopicPartition, CommittedOffset>> byProducer = waiting.get(groupId);
        if (byProducer == null) {
            return;
        }
        Map<TopicPartition, CommittedOffset> offsets = byProducer.get(producerId);
        if (offsets != null) {
            offsets.remove(partition);
            if (offsets.isEmpty()) {
                byProducer.remove(producerId);
            }
        }
        if (byProducer.isEmpty()) {
            waiting.remove(groupId);
        }
    }

    /**
     * Completes the transaction of {@code producerId} for {@code groupId}: on commit its waiting offsets become the
     * group's committed offsets (the future completes once they are durable), on abort they are dropped. A
     * transaction that left no offsets here completes at once.
     */
    CompletableFuture<Void> complete(String groupId, long producerId, boolean commit) {
        Map<Long, Map<TopicPartition, CommittedOffset>> byProducer = waiting.get(groupId);
        Map<TopicPartition, CommittedOffset> offsets = byProducer == null ? null : byProducer.remove(producerId);
        if (byProducer != null && byProducer.isEmpty()) {
            waiting.remove(groupId);
        }
        if (offsets == null) {
            return CompletableFuture.completedFuture(null);
        }
        // The group's offsets (on commit) and the end of the waiting ones, in one append: all or none.
        List<KeyedStateLog.Entry> entries = new ArrayList<>();
        for (Map.Entry<TopicPartition, CommittedOffset> e : offsets.entrySet()) {
            if (commit) {
                entries.add(new KeyedStateLog.Entry(OffsetsRecords.offsetKey(groupId, e.getKey().topic(),
                        e.getKey().partition()), OffsetsRecords.offsetValue(e.getValue())));
            }
            entries.add(new KeyedStateLog.Entry(OffsetsRecords.transactionalOffsetKey(groupId, producerId,
                    e.getKey().topic(), e.getKey().partition()), null));
        }
        // In memory first, undone below if the append fails. (The order no longer matters for what is stored:
        // the log keeps every record until compaction finds a later one of its key.)
        Group group = commit ? host.groupForOffsets(groupId) : null;
        Map<TopicPartition, CommittedOffset> replaced = new LinkedHashMap<>();
        if (group != null) {
            for (TopicPartition tp : offsets.keySet()) {
                replaced.put(tp, group.offsets.get(tp));
            }
            group.offsets.putAll(offsets);
        }
        CompletableFuture<Void> durable;
        try {
            durable = host.append(entries);
        } catch (LogStorageException e) {
            LOG.error("Group '{}': cannot store the offsets of producer {}'s transaction: {}", groupId, producerId,
                    e.getMessage());
            if (group != null) {
                replaced.forEach((tp, offset) -> {
                    if (offset == null) {
                        group.offsets.remove(tp);
                    } else {
                        group.offsets.put(tp, offset);
                    }
                });
            }
            waiting.computeIfAbsent(groupId, g -> new HashMap<>()).put(producerId, offsets);
            return CompletableFuture.failedFuture(e);
        }
        return durable;
    }

    /** Whether a transaction has offsets waiting for this group and partition (OffsetFetch's require_stable). */
    boolean unstable(String groupId, TopicPartition partition) {
        Map<Long, Map<TopicPartition, CommittedOffset>> byProducer = waiting.get(groupId);
        if (byProducer == null) {
            return false;
        }
        for (Map<TopicPartition, CommittedOffset> offsets : byProducer.values()) {
            if (offsets.containsKey(partition)) {
                return true;
            }
        }
        return false;
    }
}
