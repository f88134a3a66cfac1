package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.Topics;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.log.PartitionLog;
import io.spindle.log.TimestampAndOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
 * ListOffsets (versions 1 to 11): the offset for a timestamp, or for one of the special timestamps:
 * <ul>
 *   <li>-2 earliest and -4 earliest local: the log start offset (there is no remote tier);</li>
 *   <li>-1 latest: the log end offset, for both isolation levels (without transactions the last stable offset
 *       is the log end offset);</li>
 *   <li>-3 max timestamp: the earliest record carrying the largest timestamp;</li>
 *   <li>-5 latest tiered and -6 earliest pending upload: no offset (-1), as Kafka answers without a remote tier;</li>
 *   <li>any other value: the first record whose timestamp is at or after it, or no offset (-1) if none is.</li>
 * </ul>
 * Leader epochs are not tracked, so leader_epoch is -1. Runs off the event loop: a timestamp lookup may read
 * segment files.
 */
final class ListOffsetsHandler extends VersionedApiHandler {
    static final short MIN_VERSION = 1;
    static final short MAX_VERSION = 11;
    private static final short FIRST_VERSION_WITH_LEADER_EPOCH = 4;

    private final Topics topics;
    private final Executor blockingExecutor;

    ListOffsetsHandler(Topics topics, Executor blockingExecutor) {
        super(ApiKeys.LIST_OFFSETS, MIN_VERSION, MAX_VERSION);
        this.topics = topics;
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
                    found(response.setErrorCode(Errors.INVALID_REQUEST.code()), null, version);
                } else {
                    lookUp(topic.name(), partition, response, version);
                }
                partitionResponses.add(response);
            }
            topicResponses.add(new ListOffsetsTopicResponse().setName(topic.name()).setPartitions(partitionResponses));
        }
        return new ListOffsetsResponse(new ListOffsetsResponseData().setTopics(topicResponses));
    }

    private void lookUp(String topic, ListOffsetsPartition partition, ListOffsetsPartitionResponse response, short version) {
        Optional<PartitionLog> log = topics.partition(topic, partition.partitionIndex());
        if (log.isEmpty()) {
            found(response.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()), null, version);
            return;
        }
        try {
            found(response.setErrorCode(Errors.NONE.code()), offsetFor(log.get(), partition.timestamp()), version);
        } catch (RuntimeException e) {
            Errors error = StorageErrors.of(e, "ListOffsets of " + topic + "-" + partition.partitionIndex());
            found(response.setErrorCode(error.code()), null, version);
        }
    }

    private static TimestampAndOffset offsetFor(PartitionLog log, long timestamp) {
        if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
            return new TimestampAndOffset(-1L, log.logStartOffset());
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
            return new TimestampAndOffset(-1L, log.logEndOffset());
        }
        if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
            return log.maxTimestamp();
        }
        if (timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP
                || timestamp == ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP) {
            return null;
        }
        return log.offsetForTimestamp(timestamp);
    }

    /** Fills in the offset and timestamp found, or -1 for both when there is none. */
    private static void found(ListOffsetsPartitionResponse response, TimestampAndOffset found, short version) {
        response.setTimestamp(found == null ? -1L : found.timestamp())
                .setOffset(found == null ? -1L : found.offset());
        if (version >= FIRST_VERSION_WITH_LEADER_EPOCH) {
            response.setLeaderEpoch(-1);
        }
    }
}
