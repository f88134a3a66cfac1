package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.Topics;
import io.spindle.broker.partition.Partitions;
import io.spindle.broker.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Fetch (versions 4 to 18; 13 and later name topics by id). Reads every requested partition (see
 * {@link FetchPlan}); if fewer than min_bytes are there and max_wait_ms is positive, the fetch waits in the
 * {@link FetchPurgatory}, which reads it again on a reader thread when woken. Record bytes go from the segment files
 * to the socket zero-copy.
 *
 * <p>Where the first read runs: a consumer's fetch is read on the thread that handles it, the connection's event
 * loop, and a follower's on a reader thread. The event loop already touches the records' pages when it sends them
 * ({@code sendfile} of the slice, which faults in from disk what is not cached); reading the plan there first adds
 * the offset index lookup and the batch headers of those same pages, and saves two thread hand-offs per fetch (to a
 * reader and back), which a catch-up consumer waits for on every fetch: catch-up was about 10 % faster without them
 * (docs/benchmarks.md, "Catch-up: the fetch read on the event loop", 8 Dec 2026). A follower's read reports its
 * progress to the partition, which may move the high watermark and complete waiting produces and fetches: that
 * stays off the event loop.
 *
 * <p>Incremental fetch sessions are declined the way Kafka allows when its session cache is full: every full
 * fetch is answered as sessionless (session id 0), so clients keep sending full fetches; a request that names a
 * session (an incremental fetch) is answered FETCH_SESSION_ID_NOT_FOUND, after which a client starts over with a
 * full fetch.
 *
 * <p>A follower's fetch (a replica id) reads up to the log end and reports its progress to the leader's partition
 * ({@link FetchPlan}); a partition this broker does not lead answers NOT_LEADER_OR_FOLLOWER to consumers and
 * followers alike.
 */
final class FetchHandler extends VersionedApiHandler {
    static final short MIN_VERSION = 4;
    static final short MAX_VERSION = 18;

    private final Topics topics;
    private final Partitions partitions;
    private final Executor readExecutor;
    private final FetchPurgatory purgatory;

    private final MissingPartitions missing;

    FetchHandler(Topics topics, Partitions partitions, MissingPartitions missing, Executor readExecutor,
                 FetchPurgatory purgatory) {
        super(ApiKeys.FETCH, MIN_VERSION, MAX_VERSION);
        this.missing = missing;
        this.topics = topics;
        this.readExecutor = readExecutor;
        this.purgatory = purgatory;
        this.partitions = partitions;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        FetchRequest fetch = (FetchRequest) request;
        if (!fetch.metadata().isFull()) {
            return CompletableFuture.completedFuture(ApiResponse.of(FetchResponse.of(new FetchResponseData()
                    .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code())
                    .setSessionId(0))));
        }
        FetchPlan plan = FetchPlan.resolve(fetch, header.apiVersion(), topics, partitions, missing);
        int maxWaitMs = fetch.maxWait();
        if (plan.fromFollower()) {
            return CompletableFuture.supplyAsync(plan::read, readExecutor)
                    .thenCompose(read -> answerOrWait(plan, read, maxWaitMs, connection));
        }
        return answerOrWait(plan, plan.read(), maxWaitMs, connection);
    }

    private CompletableFuture<ApiResponse> answerOrWait(FetchPlan plan, FetchRead read, int maxWaitMs,
                                                        ClientConnection connection) {
        if (maxWaitMs <= 0 || plan.partitions().isEmpty() || read.satisfies(plan.minBytes())) {
            return CompletableFuture.completedFuture(read.toResponse());
        }
        read.close();
        return purgatory.await(plan, maxWaitMs, connection);
    }
}
