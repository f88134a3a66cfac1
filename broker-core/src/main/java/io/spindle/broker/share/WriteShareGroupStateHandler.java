package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.data.StorageErrors;
import io.spindle.share.ShareCoordinator;
import io.spindle.share.ShareStateRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.WriteShareGroupStateRequestData;
import org.apache.kafka.common.message.WriteShareGroupStateResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.WriteShareGroupStateRequest;
import org.apache.kafka.common.requests.WriteShareGroupStateResponse;

/**
 * WriteShareGroupState (version 0 and 1), served by the share coordinator for the share-partition leaders of the
 * cluster ({@link RemoteShareState}): each partition's state is stored as sent and answered once durable in
 * {@value ShareCoordinator#STATE_TOPIC}. Between Spindle brokers the request carries a share-partition's whole state
 * (its start offset and every run of its window, each run's delivery state being Spindle's stored state code,
 * {@link ShareStateRecords#stateCode}), where Kafka's leader sends only what changed and its coordinator merges it.
 * Errors per partition: FENCED_LEADER_EPOCH for a leader epoch older than one seen, FENCED_STATE_EPOCH after an admin
 * reset, INVALID_REQUEST for a state that cannot be read. Runs on the data path's reader threads.
 */
final class WriteShareGroupStateHandler extends VersionedApiHandler {
    private final ShareCoordinator coordinator;
    private final Executor readers;

    WriteShareGroupStateHandler(ShareCoordinator coordinator, Executor readers) {
        super(ApiKeys.WRITE_SHARE_GROUP_STATE);
        this.coordinator = coordinator;
        this.readers = readers;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        WriteShareGroupStateRequestData data = ((WriteShareGroupStateRequest) request).data();
        return CompletableFuture.supplyAsync(() -> write(data), readers).thenCompose(response -> response);
    }

    private CompletableFuture<ApiResponse> write(WriteShareGroupStateRequestData data) {
        List<WriteShareGroupStateResponseData.WriteStateResult> results = new ArrayList<>();
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        for (WriteShareGroupStateRequestData.WriteStateData topic : data.topics()) {
            List<WriteShareGroupStateResponseData.PartitionResult> partitions = new ArrayList<>();
            for (WriteShareGroupStateRequestData.PartitionData partition : topic.partitions()) {
                WriteShareGroupStateResponseData.PartitionResult result = new WriteShareGroupStateResponseData
                        .PartitionResult().setPartition(partition.partition()).setErrorCode(Errors.NONE.code());
                partitions.add(result);
                ShareStateRecords.Key key = new ShareStateRecords.Key(data.groupId(), topic.topicId(),
                        partition.partition());
                try {
                    durable.add(coordinator.writeState(key, partition.leaderEpoch(), partition.stateEpoch(),
                            snapshot(partition)).handle((ignored, failure) -> {
                                if (failure != null) {
                                    fail(result, failure, key);
                                }
                                return null;
                            }));
                } catch (RuntimeException e) {
                    fail(result, e, key);
                }
            }
            results.add(new WriteShareGroupStateResponseData.WriteStateResult().setTopicId(topic.topicId())
                    .setPartitions(partitions));
        }
        return CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0])).thenApply(ignored ->
                ApiResponse.of(new WriteShareGroupStateResponse(new WriteShareGroupStateResponseData()
                        .setResults(results))));
    }

    /**
     * The state as sent, checked to be one a share-partition can be restored from: a start offset, and runs that cover
     * the window from it without holes or overlaps, with delivery counts of at least 0.
     *
     * @throws IllegalArgumentException naming what is wrong (answered INVALID_REQUEST, nothing stored)
     */
    private static ShareStateRecords.Snapshot snapshot(WriteShareGroupStateRequestData.PartitionData partition) {
        if (partition.startOffset() < 0) {
            throw new IllegalArgumentException("start offset " + partition.startOffset() + " is negative");
        }
        List<ShareStateRecords.Run> runs = new ArrayList<>(partition.stateBatches().size());
        long next = partition.startOffset();
        for (WriteShareGroupStateRequestData.StateBatch batch : partition.stateBatches()) {
            if (batch.firstOffset() != next || batch.deliveryCount() < 0) {
                throw new IllegalArgumentException("state batch " + batch.firstOffset() + "-" + batch.lastOffset()
                        + " (delivery count " + batch.deliveryCount() + ") does not continue the window at " + next);
            }
            runs.add(ShareStateRecords.run(batch.firstOffset(), batch.lastOffset(), batch.deliveryState(),
                    batch.deliveryCount()));
            next = batch.lastOffset() + 1;
        }
        return new ShareStateRecords.Snapshot(partition.startOffset(), runs);
    }

    private static void fail(WriteShareGroupStateResponseData.PartitionResult result, Throwable failure,
                             ShareStateRecords.Key key) {
        Throwable cause = StorageErrors.unwrap(failure);
        Errors error = cause instanceof IllegalArgumentException ? Errors.INVALID_REQUEST
                : StorageErrors.of(cause, "store the share state of " + key);
        result.setErrorCode(error.code()).setErrorMessage(cause.getMessage());
    }
}
