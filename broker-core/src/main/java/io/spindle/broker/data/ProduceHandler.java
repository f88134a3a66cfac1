package io.spindle.broker.data;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.TopicInfo;
import io.spindle.broker.Topics;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.broker.partition.Acks;
import io.spindle.broker.partition.Partition;
import io.spindle.broker.partition.Partitions;
import io.spindle.log.AppendResult;
import io.spindle.log.BatchHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Produce (versions 3 to 13; 13 names topics by id). Each partition's batch is appended by its partition's
 * writer thread ({@link PartitionWriters}); the response is complete when every partition has acknowledged its
 * batch by its own rule ({@link Partition#acknowledgement}), and acks=0 gets no response (the future still
 * completes after the appends, so a connection's later responses keep their order).
 *
 * <p>The batch bytes are the request's own buffer, handed to the log without a copy; the network layer keeps
 * the request alive until the future completes.
 *
 * <p>Transactions: a batch is appended once the {@link TransactionGate} admits it (at once unless it is
 * transactional); a transactional batch of transaction version 2 first adds its partition to its transaction.
 *
 * <p>Decisions where a Kafka broker has features Spindle lacks:
 * <ul>
 *   <li>As Kafka does for versions 3 and up, a partition's records must be exactly one batch (INVALID_RECORD
 *       otherwise), and internal topics cannot be produced to by clients (INVALID_TOPIC_EXCEPTION).</li>
 *   <li>Topics are not created here: Kafka creates them on Metadata, not on Produce, so an unknown topic is
 *       UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID at version 13).</li>
 *   <li>A retried idempotent batch already in the log is answered NONE with its original base offset.</li>
 * </ul>
 */
final class ProduceHandler extends VersionedApiHandler {
    static final short MIN_VERSION = 3;
    static final short MAX_VERSION = 13;
    private static final short FIRST_VERSION_WITH_TOPIC_IDS = 13;
    private static final short FIRST_VERSION_WITH_LOG_START_OFFSET = 5;
    private static final short FIRST_VERSION_WITH_ERROR_MESSAGE = 8;

    private final Topics topics;
    private final Partitions partitions;
    private final PartitionWriters writers;
    private final Timer timer;
    private final TransactionGate gate;

    private final MissingPartitions missing;

    ProduceHandler(Topics topics, Partitions partitions, MissingPartitions missing, PartitionWriters writers, Timer timer,
                   TransactionGate gate) {
        super(ApiKeys.PRODUCE, MIN_VERSION, MAX_VERSION);
        this.missing = missing;
        this.topics = topics;
        this.partitions = partitions;
        this.writers = writers;
        this.timer = timer;
        this.gate = gate;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        ProduceRequest produce = (ProduceRequest) request;
        short version = header.apiVersion();
        Acks acks = Acks.of(produce.acks());
        ProduceRequestData data = produce.data();

        Errors requestError = Errors.NONE;
        String requestErrorMessage = null;
        if (acks == null) {
            requestError = Errors.INVALID_REQUIRED_ACKS;
            requestErrorMessage = "acks must be 0, 1 or -1, not " + produce.acks();
        }

        ProduceResponseData response = new ProduceResponseData();
        int batches = 0;
        for (TopicProduceData topicData : data.topicData()) {
            batches += topicData.partitionData().size();
        }
        boolean alone = batches == 1;
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        List<PendingAppend> appends = new ArrayList<>();
        for (TopicProduceData topicData : data.topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse();
            if (version >= FIRST_VERSION_WITH_TOPIC_IDS) {
                topicResponse.setTopicId(topicData.topicId());
            } else {
                topicResponse.setName(topicData.name());
            }
            response.responses().add(topicResponse);

            Errors topicError = requestError;
            String topicErrorMessage = requestErrorMessage;
            String topicName = topicData.name();
            if (topicError == Errors.NONE && version >= FIRST_VERSION_WITH_TOPIC_IDS) {
                Optional<TopicInfo> topic = topics.topic(topicData.topicId());
                if (topic.isPresent()) {
                    topicName = topic.get().name();
                } else {
                    topicError = Errors.UNKNOWN_TOPIC_ID;
                    topicErrorMessage = "No topic with id " + topicData.topicId();
                }
            }
            if (topicError == Errors.NONE && Topic.isInternal(topicName)) {
                topicError = Errors.INVALID_TOPIC_EXCEPTION;
                topicErrorMessage = "Clients cannot produce to the internal topic " + topicName;
            }

            for (PartitionProduceData partitionData : topicData.partitionData()) {
                PartitionProduceResponse partitionResponse = new PartitionProduceResponse().setIndex(partitionData.index());
                topicResponse.partitionResponses().add(partitionResponse);
                if (topicError != Errors.NONE) {
                    fail(partitionResponse, version, topicError, topicErrorMessage);
                    continue;
                }
                String partitionName = topicName + "-" + partitionData.index();
                Optional<Partition> partition = partitions.get(topicName, partitionData.index());
                if (partition.isEmpty()) {
                    Errors error = missing.errorFor(topicName, partitionData.index());
                    fail(partitionResponse, version, error, error == Errors.NOT_LEADER_OR_FOLLOWER
                            ? "This broker does not lead " + partitionName : "No partition " + partitionName);
                    if (error == Errors.NOT_LEADER_OR_FOLLOWER) {
                        LeaderHints.produce(missing.authority(), topicName, partitionData.index(), version,
                                partitionResponse, response);
                    }
                    continue;
                }
                Errors refusal = missing.mayLead() ? partition.get().produceRefusal(acks)
                        : Errors.NOT_LEADER_OR_FOLLOWER;
                if (refusal != Errors.NONE) {
                    fail(partitionResponse, version, refusal, refusal == Errors.NOT_LEADER_OR_FOLLOWER
                            ? "This broker does not lead " + partitionName
                            : "acks=all to " + partitionName + " needs min.insync.replicas "
                            + partition.get().log().config().minInsyncReplicas() + " in-sync replicas, but it has "
                            + partition.get().replicas().isr());
                    if (refusal == Errors.NOT_LEADER_OR_FOLLOWER) {
                        LeaderHints.produce(missing.authority(), topicName, partitionData.index(), version,
                                partitionResponse, response);
                    }
                    continue;
                }
                ByteBuffer batch = singleBatch(partitionData.records());
                if (batch == null) {
                    fail(partitionResponse, version, Errors.INVALID_RECORD,
                            "Produce requests of version " + version + " carry exactly one record batch per partition ("
                                    + partitionName + ")");
                    continue;
                }
                CompletableFuture<TransactionGate.Refusal> admission =
                        gate.admit(data.transactionalId(), batch, topicName, partitionData.index(), version);
                PendingAppend append = PendingAppend.start(writers, partition.get(), partitionName, batch, acks, admission,
                        alone);
                appends.add(append);
                pending.add(append.acknowledged.handle((result, failure) -> {
                    if (failure == null) {
                        succeed(partitionResponse, version, result);
                    } else if (StorageErrors.unwrap(failure) instanceof RefusedBatch refused) {
                        fail(partitionResponse, version, refused.refusal.error(), refused.refusal.message());
                    } else {
                        Throwable cause = StorageErrors.unwrap(failure);
                        Errors error = cause instanceof TimeoutException
                                ? Errors.REQUEST_TIMED_OUT : StorageErrors.of(cause, "produce to " + partitionName);
                        fail(partitionResponse, version, error, cause.getMessage());
                    }
                    return null;
                }));
            }
        }

        CompletableFuture<Void> all = CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]));
        if (acks == Acks.ALL && produce.timeout() > 0 && !appends.isEmpty()) {
            expireAfter(produce.timeout(), appends, all);
        }
        if (acks == Acks.NONE) {
            return all.thenApply(done -> null);
        }
        return all.thenApply(done -> ApiResponse.of(new ProduceResponse(response)));
    }

    /**
     * As Kafka does for acks=all, partitions not acknowledged within the request's timeout_ms are answered
     * REQUEST_TIMED_OUT (the producer retries; an idempotent retry is recognised as a duplicate). Only the wait
     * for durability is cut short: an append still queued for its writer is waited for, because it reads the
     * request's buffer, which the network layer releases once the response is complete.
     */
    private void expireAfter(int timeoutMs, List<PendingAppend> appends, CompletableFuture<Void> all) {
        Timeout timeout;
        try {
            timeout = timer.newTimeout(expired -> {
                for (PendingAppend append : appends) {
                    append.appended.whenComplete((result, failure) -> append.acknowledged.completeExceptionally(
                            new TimeoutException("acks=all: the batch for " + append.partition
                                    + " was not durable within timeout_ms=" + timeoutMs)));
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException stopped) {
            return; // shutting down: the appends finish or fail on their own
        }
        all.whenComplete((done, failure) -> timeout.cancel());
    }

    /**
     * One partition's batch: {@code appended} completes when the log has taken it (the request buffer is no
     * longer read), or when the {@link TransactionGate} refused it; {@code acknowledged} when the partition says the
     * producer may be answered. The append is handed to the writer in the thread that admits it, so batches
     * admitted in order are appended in order.
     */
    private record PendingAppend(String partition, CompletableFuture<AppendResult> appended,
                                 CompletableFuture<AppendResult> acknowledged) {
        static PendingAppend start(PartitionWriters writers, Partition target, String partition, ByteBuffer batch,
                                   Acks acks, CompletableFuture<TransactionGate.Refusal> admission, boolean alone) {
            // Only acks=all waits for the fsync: for acks=1 and 0 the writer goes on at once, the flusher forces.
            boolean flushOnWriter = alone && acks == Acks.ALL;
            CompletableFuture<AppendResult> appended = admission.thenCompose(refusal -> refusal == null
                    ? writers.append(target, batch, flushOnWriter) : CompletableFuture.failedFuture(new RefusedBatch(refusal)));
            CompletableFuture<AppendResult> acknowledged = appended.thenCompose(result -> target.acknowledgement(result, acks));
            return new PendingAppend(partition, appended, acknowledged);
        }
    }

    private static void succeed(PartitionProduceResponse response, short version, AppendResult result) {
        response.setErrorCode(Errors.NONE.code())
                .setBaseOffset(result.firstOffset())
                .setLogAppendTimeMs(result.logAppendTime());
        if (version >= FIRST_VERSION_WITH_LOG_START_OFFSET) {
            response.setLogStartOffset(result.logStartOffset());
        }
    }

    private static void fail(PartitionProduceResponse response, short version, Errors error, String message) {
        response.setErrorCode(error.code())
                .setBaseOffset(-1L)
                .setLogAppendTimeMs(-1L);
        if (version >= FIRST_VERSION_WITH_LOG_START_OFFSET) {
            response.setLogStartOffset(-1L);
        }
        if (version >= FIRST_VERSION_WITH_ERROR_MESSAGE) {
            response.setErrorMessage(message);
        }
    }

    /**
     * A view of the records if they frame exactly one batch (by its length field), else null. The batch is not
     * validated here: the log checks length, magic and CRC, and a batch whose length runs past the buffer is
     * left to it so that it is answered CORRUPT_MESSAGE.
     */
    static ByteBuffer singleBatch(BaseRecords records) {
        if (!(records instanceof MemoryRecords memory) || memory.sizeInBytes() == 0) {
            return null;
        }
        ByteBuffer buffer = memory.buffer().duplicate();
        BatchHeader first = BatchHeader.at(buffer, buffer.position());
        if (first.available() >= BatchHeader.LOG_OVERHEAD && first.batchLength() >= 0
                && first.sizeInBytes() < first.available()) {
            return null;
        }
        return buffer;
    }

    /** A batch the {@link TransactionGate} refused: no append happened. */
    private static final class RefusedBatch extends RuntimeException {
        final TransactionGate.Refusal refusal;

        RefusedBatch(TransactionGate.Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }
    }
}
