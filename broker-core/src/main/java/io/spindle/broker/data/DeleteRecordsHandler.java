package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * DeleteRecords (every version kafka-clients 4.4 knows): {@code Admin.deleteRecords}, {@code kafka-delete-records.sh},
 * and Kafka Streams purging its repartition topics below what it committed. Each partition's log start offset moves
 * up to the offset asked for ({@link Partition#deleteRecordsBefore}) on the partition's writer thread, and the
 * partition answers its new low watermark once that is in the forced checkpoint. Per partition:
 * UNKNOWN_TOPIC_OR_PARTITION when this broker does not hold it, OFFSET_OUT_OF_RANGE above the high watermark,
 * POLICY_VIOLATION for a topic whose cleanup.policy has no delete (as Kafka answers), the storage errors as for a
 * produce. The request's timeout is not waited on: with one replica, the answer is ready when the checkpoint is.
 */
final class DeleteRecordsHandler extends VersionedApiHandler {
    private final Partitions partitions;
    private final PartitionWriters writers;

    DeleteRecordsHandler(Partitions partitions, PartitionWriters writers) {
        super(ApiKeys.DELETE_RECORDS);
        this.partitions = partitions;
        this.writers = writers;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        for (DeleteRecordsTopic topic : ((DeleteRecordsRequest) request).data().topics()) {
            DeleteRecordsTopicResult topicResult = new DeleteRecordsTopicResult().setName(topic.name());
            for (DeleteRecordsPartition asked : topic.partitions()) {
                DeleteRecordsPartitionResult result = new DeleteRecordsPartitionResult()
                        .setPartitionIndex(asked.partitionIndex())
                        .setLowWatermark(-1L);
                topicResult.partitions().add(result);
                pending.add(delete(topic.name(), asked, result));
            }
            response.topics().add(topicResult);
        }
        return CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                .thenApply(done -> ApiResponse.of(new DeleteRecordsResponse(response)));
    }

    /** Deletes in one partition and fills in its result; completes normally whatever the outcome. */
    private CompletableFuture<Void> delete(String topic, DeleteRecordsPartition asked, DeleteRecordsPartitionResult result) {
        Optional<Partition> held = partitions.get(topic, asked.partitionIndex());
        if (held.isEmpty()) {
            result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            return CompletableFuture.completedFuture(null);
        }
        Partition partition = held.get();
        return writers.run(partition, () -> partition.deleteRecordsBefore(asked.offset()))
                .handle((lowWatermark, failure) -> {
                    if (failure == null) {
                        result.setErrorCode(Errors.NONE.code()).setLowWatermark(lowWatermark);
                    } else {
                        result.setErrorCode(StorageErrors.of(failure,
                                "DeleteRecords of " + topic + "-" + asked.partitionIndex()).code());
                    }
                    return null;
                });
    }
}
