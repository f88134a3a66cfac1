package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.data.DelayedRead;
import io.spindle.broker.data.LogSliceRecords;
import io.spindle.broker.data.StorageErrors;
import io.spindle.broker.partition.Partition;
import io.spindle.log.LogSlice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.message.ShareFetchResponseData.AcquiredRecords;
import org.apache.kafka.common.message.ShareFetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ShareFetchResponse;

/**
 * The fetch part of one ShareFetch: acquire records for the member from the session's partitions, at most
 * max_records in all. It answers as soon as it acquired anything (so min_bytes counts as 1: records acquired and
 * held while waiting for more would be locked away from the other consumers), or at max_wait_ms with nothing. Waits
 * in the fetch purgatory, woken by new data in, or records released in, any of its partitions.
 *
 * <p>The response also carries the request's acknowledgement results ({@code acknowledged}, whose error codes are final
 * once their state write is durable: the caller then calls {@link #copyAcknowledgeErrors()}), and is handed to the
 * client only once every acquisition it reports is durable ({@link #durable()}) and those acknowledgements are.
 */
final class DelayedShareFetch extends DelayedRead {
    /** Per partition at most this much is read, so that a few acquired records do not drag megabytes along. */
    static final int PARTITION_READ_BYTES = 1024 * 1024;

    private final ShareRecords records;
    private final String group;
    private final String member;
    private final List<ShareRecords.Target> targets;
    private final List<Partition> partitions;
    private final Map<TopicIdPartition, PartitionData> acknowledged;
    private final int maxRecords;
    private final int maxBytes;
    private final int lockDurationMs;
    private final int rotation;
    private final List<CompletableFuture<Void>> durable = new ArrayList<>();
    /** Entries of the response that carry records and an acknowledgement result, by partition. */
    private final Map<TopicIdPartition, PartitionData> fetchedAndAcknowledged = new LinkedHashMap<>();

    DelayedShareFetch(long connectionId, ShareRecords records, String group, String member,
                      List<ShareRecords.Target> targets, Map<TopicIdPartition, PartitionData> acknowledged,
                      int maxRecords, int maxBytes, int rotation) {
        super(connectionId);
        this.records = records;
        this.group = group;
        this.member = member;
        this.targets = targets;
        this.acknowledged = acknowledged;
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.rotation = rotation;
        this.lockDurationMs = records.coordinator().settingsFor(group).recordLockDurationMs();
        List<Partition> readable = new ArrayList<>();
        for (ShareRecords.Target target : targets) {
            if (target.partition() != null) {
                readable.add(target.partition());
            }
        }
        this.partitions = List.copyOf(readable);
    }

    @Override
    public List<Partition> partitions() {
        return partitions;
    }

    /** The first try, before the fetch waits: the response, or null when there is nothing to acquire yet. */
    ApiResponse firstAttempt(boolean force) {
        synchronized (this) {
            return attempt(force);
        }
    }

    /** Completes when everything the response reports is durable; call once the response is there. */
    CompletableFuture<Void> durable() {
        return CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0]));
    }

    @Override
    protected ApiResponse attempt(boolean force) {
        Map<TopicIdPartition, PartitionData> response = new LinkedHashMap<>();
        List<LogSlice> slices = new ArrayList<>();
        int recordsLeft = maxRecords;
        long bytesLeft = maxBytes;
        boolean anyError = false;
        for (int i = 0; i < targets.size() && recordsLeft > 0; i++) {
            ShareRecords.Target target = targets.get((i + rotation) % targets.size());
            TopicIdPartition id = ShareSessions.partition(target.topicId(), target.index());
            if (target.error() != Errors.NONE) {
                response.put(id, partitionData(target).setErrorCode(target.error().code()));
                anyError = true;
                continue;
            }
            if (bytesLeft <= 0 && !slices.isEmpty()) {
                break;
            }
            try {
                int readBytes = (int) Math.max(1, Math.min(bytesLeft, PARTITION_READ_BYTES));
                ShareRecords.Acquired acquired = records.acquire(group, member, target, recordsLeft, readBytes);
                if (acquired == null) {
                    continue;
                }
                slices.add(acquired.slice());
                bytesLeft -= acquired.slice().sizeInBytes();
                List<AcquiredRecords> ranges = new ArrayList<>();
                for (var range : acquired.ranges()) {
                    ranges.add(new AcquiredRecords().setFirstOffset(range.firstOffset()).setLastOffset(range.lastOffset())
                            .setDeliveryCount((short) range.deliveryCount()));
                    recordsLeft -= (int) range.count();
                }
                PartitionData data = partitionData(target).setRecords(new LogSliceRecords(acquired.slice()))
                        .setAcquiredRecords(ranges);
                response.put(id, data);
                durable.add(acquired.durable().handle((ignored, failure) -> {
                    if (failure != null) {
                        // The client must not process records whose acquisition is not stored: they come back later.
                        data.setErrorCode(StorageErrors.of(failure, "store the acquisition of " + target.partition()).code())
                                .setRecords(MemoryRecords.EMPTY).setAcquiredRecords(new ArrayList<>());
                    }
                    return null;
                }));
            } catch (RuntimeException e) {
                Errors error = StorageErrors.of(e, "share fetch from " + target.partition().topicPartition());
                response.put(id, partitionData(target).setErrorCode(error.code()).setErrorMessage(e.getMessage()));
                anyError = true;
            }
        }
        if (slices.isEmpty() && !anyError && !force) {
            return null;
        }
        for (Map.Entry<TopicIdPartition, PartitionData> ack : acknowledged.entrySet()) {
            PartitionData fetched = response.get(ack.getKey());
            if (fetched == null) {
                response.put(ack.getKey(), ack.getValue());
            } else {
                fetchedAndAcknowledged.put(ack.getKey(), fetched);
            }
        }
        copyAcknowledgeErrors();
        AutoCloseable release = slices.isEmpty() ? null : () -> slices.forEach(LogSlice::close);
        return new ApiResponse(ShareFetchResponse.of(Errors.NONE, 0, new LinkedHashMap<>(response),
                ShareRecords.leaderEndpoints(targets), lockDurationMs), release);
    }

    /**
     * Copies the acknowledgement results into the response's entries that also carry records (an entry with only an
     * acknowledgement result is the result itself). Call again once the acknowledgements are durable: a failed state
     * write changes their error code.
     */
    void copyAcknowledgeErrors() {
        fetchedAndAcknowledged.forEach((partition, fetched) -> {
            PartitionData ack = acknowledged.get(partition);
            fetched.setAcknowledgeErrorCode(ack.acknowledgeErrorCode()).setAcknowledgeErrorMessage(ack.acknowledgeErrorMessage());
        });
    }

    /** An empty partition entry naming the partition and its leader (this broker, or the one a refusal names). */
    static PartitionData partitionData(ShareRecords.Target target) {
        PartitionData data = new PartitionData().setPartitionIndex(target.index()).setErrorCode(Errors.NONE.code())
                .setAcknowledgeErrorCode(Errors.NONE.code()).setRecords(MemoryRecords.EMPTY);
        if (target.partition() != null) {
            data.currentLeader().setLeaderId(target.partition().replicas().leader())
                    .setLeaderEpoch(target.partition().leaderEpoch());
        } else if (target.leader().isPresent()) {
            data.currentLeader().setLeaderId(target.leader().get().broker().id())
                    .setLeaderEpoch(target.leader().get().epoch());
        } else {
            data.currentLeader().setLeaderId(-1).setLeaderEpoch(-1);
        }
        return data;
    }
}
