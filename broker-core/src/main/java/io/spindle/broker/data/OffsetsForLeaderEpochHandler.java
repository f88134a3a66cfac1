package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.log.LeaderEpochCache;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * OffsetsForLeaderEpoch (versions 2 to 4, all that kafka-clients 4.x knows): for each partition, where the requested
 * leader epoch ends in this broker's log — the largest epoch at or below it that wrote there and the offset after its
 * last record, the log end for the current epoch ({@link Partition#endOffsetForEpoch}, from the log's
 * {@link LeaderEpochCache}); -1 and -1 when the log knows no such epoch. A consumer asks it after a leader change
 * to check that its position was not truncated away (KIP-320); a follower will ask it to find where its log diverged.
 *
 * <p>Each partition's {@code current_leader_epoch} is checked against its {@link io.spindle.broker.partition.Replicas}
 * first ({@link Partition#checkLeaderEpoch}): FENCED_LEADER_EPOCH when older, UNKNOWN_LEADER_EPOCH when newer.
 * A partition this broker does not hold is UNKNOWN_TOPIC_OR_PARTITION, an offline one KAFKA_STORAGE_ERROR.
 *
 * <p>Answered on the event loop: the epochs are an in-memory snapshot, read without a lock or the disk.
 */
final class OffsetsForLeaderEpochHandler extends VersionedApiHandler {
    private final Partitions partitions;

    OffsetsForLeaderEpochHandler(Partitions partitions) {
        super(ApiKeys.OFFSET_FOR_LEADER_EPOCH);
        this.partitions = partitions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic topic : ((OffsetsForLeaderEpochRequest) request).data().topics()) {
            OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderPartition partition : topic.partitions()) {
                result.partitions().add(answer(topic.topic(), partition));
            }
            response.topics().add(result);
        }
        return CompletableFuture.completedFuture(ApiResponse.of(new OffsetsForLeaderEpochResponse(response)));
    }

    private EpochEndOffset answer(String topic, OffsetForLeaderPartition asked) {
        EpochEndOffset answer = new EpochEndOffset().setPartition(asked.partition())
                .setLeaderEpoch(LeaderEpochCache.UNDEFINED_EPOCH).setEndOffset(LeaderEpochCache.UNDEFINED_OFFSET);
        Optional<Partition> held = partitions.get(topic, asked.partition());
        if (held.isEmpty()) {
            return answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        Partition partition = held.get();
        Errors fenced = partition.checkLeaderEpoch(asked.currentLeaderEpoch());
        if (fenced != Errors.NONE) {
            return answer.setErrorCode(fenced.code());
        }
        try {
            LeaderEpochCache.EpochEndOffset found = partition.endOffsetForEpoch(asked.leaderEpoch());
            return answer.setErrorCode(Errors.NONE.code()).setLeaderEpoch(found.epoch()).setEndOffset(found.endOffset());
        } catch (RuntimeException e) {
            return answer.setErrorCode(StorageErrors.of(e, "OffsetsForLeaderEpoch of " + partition.topicPartition()).code());
        }
    }
}
