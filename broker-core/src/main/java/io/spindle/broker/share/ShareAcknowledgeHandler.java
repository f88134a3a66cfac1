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
import java.util.function.BooleanSupplier;
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
 * session and releases what the member still holds. Answered once the acknowledgements are durable. A partition this
 * broker does not lead is answered NOT_LEADER_OR_FOLLOWER naming its leader, as in ShareFetch; membership is checked
 * only where share groups are coordinated.
 */
final class ShareAcknowledgeHandler extends VersionedApiHandler {
    private static final short MIN_VERSION = 1;
    private static final short MAX_VERSION = 2;

    private final ShareRecords records;
    private final ShareSessions sessions;
    private final Executor readers;
    private final BooleanSupplier knowsMembers;

    /** @param knowsMembers whether this broker coordinates share groups now (then only members may acknowledge) */
    ShareAcknowledgeHandler(ShareRecords records, ShareSessions sessions, Executor readers, BooleanSupplier knowsMembers) {
        super(ApiKeys.SHARE_ACKNOWLEDGE, MIN_VERSION, MAX_VERSION);
        this.knowsMembers = knowsMembers;
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
            return done(error(session.error(), session.message(), lockMs));
        }
        // A member that left or timed out no longer holds records; closing its session (epoch -1) stays allowed.
        if (epoch != ShareSessions.FINAL_EPOCH && knowsMembers.getAsBoolean()
                && !records.coordinator().isMember(group, member)) {
            return done(error(Errors.UNKNOWN_MEMBER_ID, "share group '" + group + "' has no member " + member
                    + "; join it with ShareGroupHeartbeat first", lockMs));
        }
        LinkedHashMap<TopicIdPartition, PartitionData> results = new LinkedHashMap<>();
        List<ShareRecords.Target> targets = new ArrayList<>();
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        for (ShareAcknowledgeRequestData.AcknowledgeTopic topic : data.topics()) {
            for (ShareAcknowledgeRequestData.AcknowledgePartition partition : topic.partitions()) {
                List<AcknowledgementBatch> batches = partition.acknowledgementBatches();
                ShareRecords.Target target = records.resolve(topic.topicId(), partition.partitionIndex());
                targets.add(target);
                ShareRecords.AckResult result = records.acknowledge(group, member, target, ShareRecords.batches(
                        batches.stream().map(AcknowledgementBatch::firstOffset).toList(),
                        batches.stream().map(AcknowledgementBatch::lastOffset).toList(),
                        batches.stream().map(AcknowledgementBatch::acknowledgeTypes).toList()));
                PartitionData entry = new PartitionData().setPartitionIndex(partition.partitionIndex())
                        .setErrorCode(result.error().code()).setErrorMessage(result.message());
                if (target.partition() != null) {
                    entry.currentLeader().setLeaderId(target.partition().replicas().leader())
                            .setLeaderEpoch(target.partition().leaderEpoch());
                } else if (target.leader().isPresent()) {
                    entry.currentLeader().setLeaderId(target.leader().get().broker().id())
                            .setLeaderEpoch(target.leader().get().epoch());
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
                ApiResponse.of(ShareAcknowledgeResponse.of(Errors.NONE, 0, results, ShareRecords.leaderEndpoints(targets),
                        lockMs)));
    }

    private static ApiResponse error(Errors error, int lockMs) {
        return error(error, null, lockMs);
    }

    private static ApiResponse error(Errors error, String message, int lockMs) {
        ShareAcknowledgeResponse response = ShareAcknowledgeResponse.of(error, 0, new LinkedHashMap<>(), List.of(), lockMs);
        response.data().setErrorMessage(message);
        return ApiResponse.of(response);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
