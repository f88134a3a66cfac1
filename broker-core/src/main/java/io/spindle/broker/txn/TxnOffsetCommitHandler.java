package io.spindle.broker.txn;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.ClientConnection;
import io.spindle.broker.VersionedApiHandler;
import io.spindle.groups.GroupCoordinator;
import io.spindle.txn.Transactions;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;

/**
 * TxnOffsetCommit, versions 0 to 5 (6 names topics by id, KIP-1319, and is not served): offsets committed inside a
 * transaction. Up to version 4, or when the broker does not offer transaction version 2, the group must be part of
 * the producer's open transaction (AddOffsetsToTxn first; {@link Transactions#verifyGroup}). From version 5 with
 * transaction version 2 (KIP-890 part 2) the request adds its group to the transaction itself, as AddOffsetsToTxn
 * would ({@link Transactions#joinGroup}), and kafka-clients sends no AddOffsetsToTxn. Either way a refusal is every
 * partition's error, and the group coordinator keeps the offsets apart until the transaction coordinator completes
 * the transaction ({@link GroupCoordinator#commitTransactionalOffsets}).
 */
final class TxnOffsetCommitHandler extends VersionedApiHandler {
    private static final short MAX_VERSION = TxnOffsetCommitRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2 + 1;
    private static final short FIRST_VERSION_THAT_ADDS = MAX_VERSION;

    private final Transactions transactions;
    private final GroupCoordinator groups;
    private final boolean version2Offered;

    TxnOffsetCommitHandler(Transactions transactions, GroupCoordinator groups, boolean version2Offered) {
        super(ApiKeys.TXN_OFFSET_COMMIT, (short) 0, MAX_VERSION);
        this.transactions = transactions;
        this.groups = groups;
        this.version2Offered = version2Offered;
    }

    @Override
    public CompletableFuture<ApiResponse> handle(RequestHeader header, AbstractRequest request, ClientConnection connection) {
        TxnOffsetCommitRequestData data = ((TxnOffsetCommitRequest) request).data();
        CompletableFuture<Errors> admission = version2Offered && request.version() >= FIRST_VERSION_THAT_ADDS
                ? transactions.joinGroup(data.transactionalId(), data.producerId(), data.producerEpoch(), data.groupId())
                        .handle((error, failure) -> failure != null ? TxnErrors.ofFailure(failure)
                                : error == Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH : error)
                : CompletableFuture.completedFuture(transactions.verifyGroup(data.transactionalId(), data.producerId(),
                        data.producerEpoch(), data.groupId()));
        return admission.thenCompose(error -> error != Errors.NONE
                ? CompletableFuture.completedFuture(ApiResponse.of(new TxnOffsetCommitResponse(
                        TxnOffsetCommitRequest.getErrorResponse(data, error))))
                : groups.commitTransactionalOffsets(data)
                        .handle((response, failure) -> ApiResponse.of(new TxnOffsetCommitResponse(failure == null ? response
                                : TxnOffsetCommitRequest.getErrorResponse(data, Errors.COORDINATOR_NOT_AVAILABLE)))));
    }
}
