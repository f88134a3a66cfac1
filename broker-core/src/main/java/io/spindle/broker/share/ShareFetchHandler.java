package io.spindle.broker.share;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.data.FetchPurgatory;
import io.spindle.broker.data.StorageErrors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.message.ShareFetchRequestData;
import org.apache.kafka.common.message.ShareFetchRequestData.AcknowledgementBatch;
import org.apache.kafka.common.message.ShareFetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ShareFetchRequest;
import org.apache.kafka.common.requests.ShareFetchResponse;

/**
 * ShareFetch (versions 1 and 2, KIP-932): the share session's epoch is checked and its partitions updated
 * ({@link ShareSessions}); the piggybacked acknowledgements are applied and made durable; then records are acquired
 * for the member from the session's partitions ({@link DelayedShareFetch}), waiting up to max_wait_ms in the fetch
 * purgatory when there is nothing to acquire. Epoch -1 closes the session: acknowledgements only, and what the
 * member still holds is released. All of it runs on the data path's reader threads.
 *
 * <p>Any broker serves ShareFetch for the partitions it leads (KIP-932's share-partition leader): a partition led
 * elsewhere is answered NOT_LEADER_OR_FOLLOWER naming its leader and that leader's endpoint; a share-partition this
 * broker does not hold yet is first read from the share coordinator ({@link ShareRecords#ensureLoaded}). Membership
 * is checked only on the broker that coordinates share groups, the only one that knows the members (Kafka checks it
 * nowhere on this path).
 *
 * <p>Version 2's acquire modes are served alike: no more than max_records records are acquired (record-limit
 * mode's promise, which batch-optimized mode allows). A request flagged is_renew_ack only renews, without fetching.
 */
final class ShareFetchHandler extends VersionedApiHandler {
    private static final short MIN_VERSION = 1;
    private static final short MAX_VERSION = 2;
    private static final int DEFAULT_MAX_RECORDS = 500;

    private final ShareRecords records;
    private final ShareSessions sessions;
    private final Executor readers;
    private final FetchPurgatory purgatory;
    private final ConnectionWatch connections;
    private final BooleanSupplier knowsMembers;
    private final AtomicInteger rotation = new AtomicInteger();

    /** @param knowsMembers whether this broker coordinates share groups now (then only members may fetch) */
    ShareFetchHandler(ShareRecords records, ShareSessions sessions, Executor readers, FetchPurgatory purgatory,
                      ConnectionWatch connections, BooleanSupplier knowsMembers) {
        super(ApiKeys.SHARE_FETCH, MIN_VERSION, MAX_VERSION);
        this.knowsMembers = knowsMembers;
        this.records = records;
        this.sessions = sessions;
        this.readers = readers;
        this.purgatory = purgatory;
        this.connections = connections;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ShareFetchRequestData data = ((ShareFetchRequest) request).data();
        return CompletableFuture.supplyAsync(() -> start(data, header.apiVersion(), connection), readers)
                .thenCompose(response -> response);
    }

    private CompletableFuture<ApiResponse> start(ShareFetchRequestData data, short version, ClientConnection connection) {
        String group = data.groupId();
        int lockMs = records.coordinator().settingsFor(group == null ? "" : group).recordLockDurationMs();
        String member = data.memberId();
        if (group == null || group.isEmpty() || member == null || member.isEmpty()) {
            return done(error(Errors.INVALID_REQUEST, lockMs));
        }
        List<TopicIdPartition> added = new ArrayList<>();
        for (ShareFetchRequestData.FetchTopic topic : data.topics()) {
            for (ShareFetchRequestData.FetchPartition partition : topic.partitions()) {
                added.add(ShareSessions.partition(topic.topicId(), partition.partitionIndex()));
            }
        }
        List<TopicIdPartition> forgotten = new ArrayList<>();
        for (ShareFetchRequestData.ForgottenTopic topic : data.forgottenTopicsData()) {
            for (Integer partition : topic.partitions()) {
                forgotten.add(ShareSessions.partition(topic.topicId(), partition));
            }
        }
        int epoch = data.shareSessionEpoch();
        // Only members may acquire records. An unknown member opens no session (sessions are bounded); in an open
        // session the epoch still advances, since the client moves to its next epoch after any other error.
        boolean isMember = epoch == ShareSessions.FINAL_EPOCH || !knowsMembers.getAsBoolean()
                || records.coordinator().isMember(group, member);
        if (!isMember && epoch == ShareSessions.INITIAL_EPOCH) {
            return done(unknownMember(group, member, lockMs));
        }
        ShareSessions.Update session = sessions.update(new ShareSessions.Key(group, member), epoch, connection.id(),
                added, forgotten);
        if (session.error() != Errors.NONE) {
            return done(error(session.error(), session.message(), lockMs));
        }
        if (!isMember) {
            return done(unknownMember(group, member, lockMs));
        }
        connections.watch(connection);
        List<ShareRecords.Target> targets = new ArrayList<>(session.partitions().size());
        for (TopicIdPartition partition : session.partitions()) {
            targets.add(records.resolve(partition.topicId(), partition.partition()));
        }
        CompletableFuture<Void> loaded = records.ensureLoaded(group, targets);
        // Held here already (every fetch but a new leader's first): on this reader thread, without another hop.
        return loaded.isDone() ? serve(data, version, connection, targets, lockMs)
                : loaded.thenComposeAsync(ignored -> serve(data, version, connection, targets, lockMs), readers);
    }

    private CompletableFuture<ApiResponse> serve(ShareFetchRequestData data, short version, ClientConnection connection,
                                                 List<ShareRecords.Target> targets, int lockMs) {
        String group = data.groupId();
        String member = data.memberId();
        int epoch = data.shareSessionEpoch();
        Map<TopicIdPartition, PartitionData> acknowledged = new LinkedHashMap<>();
        List<CompletableFuture<Void>> ackDurable = new ArrayList<>();
        for (ShareFetchRequestData.FetchTopic topic : data.topics()) {
            for (ShareFetchRequestData.FetchPartition partition : topic.partitions()) {
                List<AcknowledgementBatch> batches = partition.acknowledgementBatches();
                if (batches.isEmpty()) {
                    continue;
                }
                ShareRecords.Target target = records.resolve(topic.topicId(), partition.partitionIndex());
                ShareRecords.AckResult result = records.acknowledge(group, member, target, ShareRecords.batches(
                        batches.stream().map(AcknowledgementBatch::firstOffset).toList(),
                        batches.stream().map(AcknowledgementBatch::lastOffset).toList(),
                        batches.stream().map(AcknowledgementBatch::acknowledgeTypes).toList()));
                PartitionData entry = DelayedShareFetch.partitionData(target).setErrorCode(target.error().code())
                        .setAcknowledgeErrorCode(result.error().code()).setAcknowledgeErrorMessage(result.message());
                acknowledged.put(ShareSessions.partition(topic.topicId(), partition.partitionIndex()), entry);
                ackDurable.add(result.durable().handle((ignored, failure) -> {
                    if (failure != null) {
                        entry.setAcknowledgeErrorCode(StorageErrors.of(failure, "store acknowledgements in "
                                + target.partition().topicPartition()).code());
                    }
                    return null;
                }));
            }
        }
        CompletableFuture<Void> acksDurable = CompletableFuture.allOf(ackDurable.toArray(new CompletableFuture<?>[0]));
        if (epoch == ShareSessions.FINAL_EPOCH) {
            records.coordinator().releaseMember(group, member);
        }
        if (epoch == ShareSessions.FINAL_EPOCH || (version >= 2 && data.isRenewAck())) {
            return acksDurable.thenApply(ignored -> ApiResponse.of(ShareFetchResponse.of(Errors.NONE, 0,
                    new LinkedHashMap<>(acknowledged), List.of(), lockMs)));
        }
        int maxRecords = data.maxRecords() > 0 ? data.maxRecords() : DEFAULT_MAX_RECORDS;
        int maxBytes = data.maxBytes() > 0 ? data.maxBytes() : Integer.MAX_VALUE;
        DelayedShareFetch fetch = new DelayedShareFetch(connection.id(), records, group, member, targets, acknowledged,
                maxRecords, maxBytes, targets.isEmpty() ? 0 : Math.floorMod(rotation.getAndIncrement(), targets.size()));
        // The acquisition does not wait for the acknowledgements' state write: both are written under the same
        // group-committed fsync, and the answer waits for both.
        int maxWaitMs = data.maxWaitMs();
        ApiResponse now = fetch.firstAttempt(maxWaitMs <= 0 || targets.isEmpty());
        CompletableFuture<ApiResponse> response = now != null ? done(now) : purgatory.await(fetch, maxWaitMs, connection);
        return response.thenCompose(answer -> CompletableFuture.allOf(fetch.durable(), acksDurable).thenApply(ignored -> {
            fetch.copyAcknowledgeErrors();
            return answer;
        }));
    }

    private static ApiResponse error(Errors error, int lockMs) {
        return error(error, null, lockMs);
    }

    private static ApiResponse error(Errors error, String message, int lockMs) {
        ShareFetchResponse response = ShareFetchResponse.of(error, 0, new LinkedHashMap<>(), List.of(), lockMs);
        response.data().setErrorMessage(message);
        return ApiResponse.of(response);
    }

    static ApiResponse unknownMember(String group, String member, int lockMs) {
        return error(Errors.UNKNOWN_MEMBER_ID, "share group '" + group + "' has no member " + member
                + "; join it with ShareGroupHeartbeat first", lockMs);
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
