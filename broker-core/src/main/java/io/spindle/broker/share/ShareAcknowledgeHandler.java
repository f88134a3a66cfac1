package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.data.StorageErrors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData.AcknowledgementBatch;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ShareAcknowledgeRequest;
import org.apache.kafka.common.requests.ShareAcknowledgeResponse;

/**
 * ShareAcknowledge (versions 1 and 2): acknowledgements without a fetch, in a share session whose epoch it advances
 * like a ShareFetch (epoch 0 is refused: there is nothing to acknowledge before a fetch); epoch -1 also closes the
 * session and releases what the member still holds. Answered once the acknowledgements are durable.
 */
final class ShareAcknowledgeHandler extends VersionedApiHandler {
    private static final short MIN_VERSION = 1;
    private static final short MAX_VERSION = 2;

    private final ShareRecords records;
    private final ShareSessions sessions;
    private final Executor readers;

    ShareAcknowledgeHandler(ShareRecords records, ShareSessions sessions, Executor readers) {
        super(ApiKeys.SHARE_ACKNOWLEDGE, MIN_VERSION, MAX_VERSION);
        this.records = records;
        this.sessions = sessions;
        this.readers = readers;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ShareAcknowledgeRequestData data = ((ShareAcknowledgeRequest) request).data();
        return CompletableFuture.supplyAsync(() -> acknowledge(data, connection), readers)
                .thenCompose(response -> response);
    }

    private CompletableFuture<ApiResponse> acknowledge(ShareAcknowledgeRequestData data, ClientConnection connection) {
        String group = data.groupId();
        int lockMs = records.coordinator().settingsFor(group == null ? "" : group).recordLockDurationMs();
        String member = data.memberId();
        int epoch = data.shareSessionEpoch();
        if (group == null || group.isEmpty() || member == null || member.isEmpty()) {
            return done(error(Errors.INVALID_REQUEST, lockMs));
        }
        if (epoch == ShareSessions.INITIAL_EPOCH) {
            return done(error(Errors.INVALID_SHARE_SESSION_EPOCH, lockMs));
        }
        ShareSessions.Update session = sessions.update(new ShareSessions.Key(group, member), epoch, connection.id(),
                List.of(), List.of());
        if (session.error() != Errors.NONE) {
            return done(error(session.error(), lockMs));
        }
        LinkedHashMap<TopicIdPartition, PartitionData> results = new LinkedHashMap<>();
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        for (ShareAcknowledgeRequestData.AcknowledgeTopic topic : data.topics()) {
            for (ShareAcknowledgeRequestData.AcknowledgePartition partition : topic.partitions()) {
                List<AcknowledgementBatch> batches = partition.acknowledgementBatches();
                ShareRecords.Target target = records.resolve(topic.topicId(), partition.partitionIndex());
                ShareRecords.AckResult result = records.acknowledge(group, member, target, ShareRecords.batches(
                        batches.stream().map(AcknowledgementBatch::firstOffset).toList(),
                        batches.stream().map(AcknowledgementBatch::lastOffset).toList(),
                        batches.stream().map(AcknowledgementBatch::acknowledgeTypes).toList()));
                PartitionData entry = new PartitionData().setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(result.error().code()).setErrorMessage(result.message());
                if (target.partition() != null) {
                    entry.currentLeader().setLeaderId(target.partition().replicas().leader())
                            .setLeaderEpoch(target.partition().leaderEpoch());
                } else {
                    entry.currentLeader().setLeaderId(-1).setLeaderEpoch(-1);
                }
                results.put(ShareSessions.partition(topic.topicId(), partition.partitionIndex()), entry);
                durable.add(result.durable().handle((ignored, failure) -> {
                    if (failure != null) {
                        entry.setErrorCode(StorageErrors.of(failure, "store acknowledgements in "
                                + target.partition().topicPartition()).code());
                    }
                    return null;
                }));
            }
        }
        if (epoch == ShareSessions.FINAL_EPOCH) {
            records.coordinator().releaseMember(group, member);
        }
        return CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0])).thenApply(ignored ->
                ApiResponse.of(ShareAcknowledgeResponse.of(Errors.NONE, 0, results, List.of(), lockMs)));
    }

    private static ApiResponse error(Errors error, int lockMs) {
        return ApiResponse.of(ShareAcknowledgeResponse.of(error, 0, new LinkedHashMap<>(), List.of(), lockMs));
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
