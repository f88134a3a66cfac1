package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.log.TimestampAndOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * ListOffsets (versions 1 to 11): the offset for a timestamp, or for one of the special timestamps, as the
 * partition answers it for the request's isolation level ({@link Partition#offsetFor}), with the leader epoch of that
 * offset; a current_leader_epoch other than the partition's is fenced ({@link Partition#checkLeaderEpoch}). Runs off the event loop: a timestamp lookup may read segment files.
 */
final class ListOffsetsHandler extends VersionedApiHandler {
    static final short MIN_VERSION = 1;
    static final short MAX_VERSION = 11;
    private static final short FIRST_VERSION_WITH_LEADER_EPOCH = 4;

    private final Partitions partitions;
    private final Executor blockingExecutor;

    private final MissingPartitions missing;

    ListOffsetsHandler(Partitions partitions, MissingPartitions missing, Executor blockingExecutor) {
        super(ApiKeys.LIST_OFFSETS, MIN_VERSION, MAX_VERSION);
        this.missing = missing;
        this.partitions = partitions;
        this.blockingExecutor = blockingExecutor;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ListOffsetsRequest listOffsets = (ListOffsetsRequest) request;
        short version = header.apiVersion();
        return CompletableFuture.supplyAsync(() -> ApiResponse.of(answer(listOffsets, version)), blockingExecutor);
    }

    private ListOffsetsResponse answer(ListOffsetsRequest request, short version) {
        Set<TopicPartition> duplicates = request.duplicatePartitions();
        List<ListOffsetsTopicResponse> topicResponses = new ArrayList<>();
        for (ListOffsetsTopic topic : request.topics()) {
            List<ListOffsetsPartitionResponse> partitionResponses = new ArrayList<>();
            for (ListOffsetsPartition partition : topic.partitions()) {
                ListOffsetsPartitionResponse response = new ListOffsetsPartitionResponse()
                        .setPartitionIndex(partition.partitionIndex());
                if (duplicates.contains(new TopicPartition(topic.name(), partition.partitionIndex()))) {
                    found(response.setErrorCode(Errors.INVALID_REQUEST.code()), null, -1, version);
                } else {
                    lookUp(topic.name(), partition, request.isolationLevel(), response, version);
                }
                partitionResponses.add(response);
            }
            topicResponses.add(new ListOffsetsTopicResponse().setName(topic.name()).setPartitions(partitionResponses));
        }
        return new ListOffsetsResponse(new ListOffsetsResponseData().setTopics(topicResponses));
    }

    private void lookUp(String topic, ListOffsetsPartition partition, IsolationLevel isolation,
                        ListOffsetsPartitionResponse response, short version) {
        Optional<Partition> held = partitions.get(topic, partition.partitionIndex());
        if (held.isEmpty()) {
            found(response.setErrorCode(missing.errorFor(topic, partition.partitionIndex()).code()), null, -1, version);
            return;
        }
        Errors fenced = held.get().checkLeaderEpoch(partition.currentLeaderEpoch());
        if (fenced != Errors.NONE) {
            found(response.setErrorCode(fenced.code()), null, -1, version);
            return;
        }
        try {
            TimestampAndOffset offset = held.get().offsetFor(partition.timestamp(), isolation);
            int epoch = offset == null ? -1 : held.get().epochForOffset(offset.offset());
            found(response.setErrorCode(Errors.NONE.code()), offset, epoch, version);
        } catch (RuntimeException e) {
            Errors error = StorageErrors.of(e, "ListOffsets of " + topic + "-" + partition.partitionIndex());
            found(response.setErrorCode(error.code()), null, -1, version);
        }
    }

    /**
     * Fills in the offset and timestamp found, or -1 for both when there is none, and {@code epoch}: the leader epoch
     * of the record found (at the log end, the current epoch), from the log's leader epochs, which a consumer keeps
     * with its position and validates after a leader change; -1 when the log knows none (records written before
     * Spindle kept epochs), which tells the consumer to skip that validation.
     */
    private static void found(ListOffsetsPartitionResponse response, TimestampAndOffset found, int epoch,
                              short version) {
        response.setTimestamp(found == null ? -1L : found.timestamp())
                .setOffset(found == null ? -1L : found.offset());
        if (version >= FIRST_VERSION_WITH_LEADER_EPOCH) {
            response.setLeaderEpoch(epoch);
        }
    }
}
