package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.data.StorageErrors;
import io.spindle.share.ShareCoordinator;
import io.spindle.share.ShareStatePersister;
import io.spindle.share.ShareStateRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ReadShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ReadShareGroupStateRequest;
import org.apache.kafka.common.requests.ReadShareGroupStateResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * ReadShareGroupState (version 0), served by the share coordinator for a broker that starts leading a topic partition
 * ({@link RemoteShareState}): the share-partition's stored state, whole, its runs' delivery states in Spindle's stored
 * state codes ({@link ShareStateRecords#stateCode}); start offset -1 and no runs when the group has none there. The
 * reader's leader epoch fences older leaders' later writes (FENCED_LEADER_EPOCH for a read older than one seen). Reads
 * memory only, so it answers on the calling thread.
 */
final class ReadShareGroupStateHandler extends VersionedApiHandler {
    private final ShareCoordinator coordinator;

    ReadShareGroupStateHandler(ShareCoordinator coordinator) {
        super(ApiKeys.READ_SHARE_GROUP_STATE);
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ReadShareGroupStateRequestData data = ((ReadShareGroupStateRequest) request).data();
        List<ReadShareGroupStateResponseData.ReadStateResult> results = new ArrayList<>();
        for (ReadShareGroupStateRequestData.ReadStateData topic : data.topics()) {
            List<ReadShareGroupStateResponseData.PartitionResult> partitions = new ArrayList<>();
            for (ReadShareGroupStateRequestData.PartitionData partition : topic.partitions()) {
                ShareStateRecords.Key key = new ShareStateRecords.Key(data.groupId(), topic.topicId(),
                        partition.partition());
                ReadShareGroupStateResponseData.PartitionResult result = new ReadShareGroupStateResponseData
                        .PartitionResult().setPartition(partition.partition()).setErrorCode(Errors.NONE.code())
                        .setStartOffset(-1).setStateEpoch(0);
                try {
                    ShareStatePersister.ReadResult read = coordinator.readState(key, partition.leaderEpoch()).join();
                    result.setStateEpoch(read.stateEpoch());
                    read.snapshot().ifPresent(snapshot -> {
                        List<ReadShareGroupStateResponseData.StateBatch> batches = new ArrayList<>();
                        for (ShareStateRecords.Run run : snapshot.runs()) {
                            batches.add(new ReadShareGroupStateResponseData.StateBatch().setFirstOffset(run.firstOffset())
                                    .setLastOffset(run.lastOffset()).setDeliveryState(ShareStateRecords.stateCode(run))
                                    .setDeliveryCount((short) run.deliveryCount()));
                        }
                        result.setStartOffset(snapshot.startOffset()).setStateBatches(batches);
                    });
                } catch (RuntimeException e) {
                    Throwable cause = StorageErrors.unwrap(e);
                    result.setErrorCode(StorageErrors.of(cause, "read the share state of " + key).code())
                            .setErrorMessage(cause.getMessage());
                }
                partitions.add(result);
            }
            results.add(new ReadShareGroupStateResponseData.ReadStateResult().setTopicId(topic.topicId())
                    .setPartitions(partitions));
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new ReadShareGroupStateResponse(
                new ReadShareGroupStateResponseData().setResults(results))));
    }
}
